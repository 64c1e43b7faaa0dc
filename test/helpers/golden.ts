// Golden files: compare text with a checked-in file. A missing golden is written on the first
// run (and the test fails, so it is reviewed); `UPDATE_GOLDEN=1 npm test` rewrites them all.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ExecutionContext } from 'ava';

export const updating = process.env.UPDATE_GOLDEN === '1';

export function compareGolden(t: ExecutionContext, goldenPath: string, actual: string): void {
  if (updating || !existsSync(goldenPath)) {
    writeFileSync(goldenPath, actual);
    if (!updating) t.fail(`wrote new golden ${goldenPath}; review it and commit it`);
    else t.pass();
    return;
  }
  const expected = readFileSync(goldenPath, 'utf8');
  t.is(actual, expected, `output differs from ${goldenPath} (UPDATE_GOLDEN=1 to accept)`);
}
