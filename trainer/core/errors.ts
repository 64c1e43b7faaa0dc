// The one error type of `cnnc train`'s infrastructure (data loaders, checkpoints, reports): every
// failure a user can cause becomes a `TrainError` whose message is one line the CLI prints as is.

/** A user-facing failure: `message` is one line, starts lower-case and names the file at fault. */
export class TrainError extends Error {
  override name = 'TrainError';
}

/** A value or a one-line reason; what the public entry points return instead of throwing. */
export type TrainResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Throws a `TrainError` with `message`; a shorthand for the parsers. */
export function trainFail(message: string): never {
  throw new TrainError(message);
}

/**
 * Turns anything thrown while reading or writing files into one line: a `TrainError` keeps its
 * message, a Node.js system error (ENOENT, EACCES…) names its code and path, and anything else is
 * reported with its message only, never a stack trace.
 */
export function describeError(error: unknown): string {
  if (error instanceof TrainError) return error.message;
  if (error instanceof Error) {
    const { code, path } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' && path) return `no such file or directory: ${path}`;
    if (code === 'EACCES' && path) return `permission denied: ${path}`;
    if (code === 'EISDIR' && path) return `expected a file, found a directory: ${path}`;
    if (code === 'ENOTDIR' && path) return `not a directory: ${path}`;
    const firstLine = error.message.split('\n')[0];
    return code && !firstLine.includes(code) ? `${firstLine} (${code})` : firstLine;
  }
  return String(error).split('\n')[0];
}

/** Runs `body`, turning any thrown error into a failed `TrainResult` with a one-line message. */
export function catchTrainError<T>(body: () => T): TrainResult<T> {
  try {
    return { ok: true, value: body() };
  } catch (error) {
    return { ok: false, message: describeError(error) };
  }
}
