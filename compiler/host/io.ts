// Where commands write (the CLI and the trainer): injected so tests can run commands in-process and
// read their output.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colour terminal output (stderr is a TTY and NO_COLOR is unset). */
  color: boolean;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
};
