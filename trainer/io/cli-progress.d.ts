// A minimal declaration of the part of cli-progress 3.12 that progress.ts uses (the package ships
// no types). NOTE: delete this file if `@types/cli-progress` is ever installed.
declare module 'cli-progress' {
  /** Values cli-progress passes to a format function. */
  export interface FormatParams {
    progress: number;
    value: number;
    total: number;
  }
  /** Options of `SingleBar` (a subset). */
  export interface Options {
    stream?: NodeJS.WritableStream;
    format?: (options: object, params: FormatParams, payload: object) => string;
    fps?: number;
    hideCursor?: boolean;
    gracefulExit?: boolean;
    linewrap?: boolean;
    clearOnComplete?: boolean;
  }
  /** One progress bar redrawn in place on a TTY. */
  export class SingleBar {
    constructor(options: Options);
    start(total: number, startValue: number, payload?: object): void;
    update(value: number, payload?: object): void;
    stop(): void;
  }
  const cliProgress: { SingleBar: typeof SingleBar };
  export default cliProgress;
}
