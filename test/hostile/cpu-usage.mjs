// Preloaded (`node --import`) into a CLI run by the hostile tests: at exit, writes the process's
// CPU time in milliseconds to file descriptor 3, so a test can tell the work a command did from
// the time it spent waiting for a busy machine.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.cpuUsage();
  try {
    writeSync(3, String(Math.round((usage.user + usage.system) / 1000)));
  } catch {
    // not run by the tests: no descriptor 3
  }
});
