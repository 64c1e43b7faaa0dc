// Reads LSP messages (`Content-Length: N\r\n\r\n` + N bytes of JSON) from a stream, surviving
// broken framing. vscode-jsonrpc's own reader stops answering silently after a header without a
// usable Content-Length; this one reports every problem and keeps going:
// - a header without Content-Length, or with one that is not a non-negative integer, is logged
//   and skipped with whatever follows it, up to the next `Content-Length:` header;
// - a message over `maxBytes` is logged and its body discarded as it arrives, never buffered;
// - a body that is not a JSON object is answered with a JSON-RPC parse error (-32700, id null).
import {
  AbstractMessageReader,
  type DataCallback,
  type Disposable,
  type Message,
} from 'vscode-languageserver/node';

/** Messages larger than this are refused. Documents over 1 MB are refused later, with CNN1023. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** A header block longer than this is not a header: the reader resynchronises. */
const MAX_HEADER_BYTES = 8 * 1024;

const SEPARATOR = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /content-length:/i;

/** What the reader reports besides messages. */
export interface FramingHooks {
  /** A framing problem, for the editor's log. */
  log(message: string): void;
  /** A body that is not JSON: the server answers it with error -32700. */
  parseError(message: string): void;
}

/** A `MessageReader` over a byte stream that logs broken framing instead of stopping. */
export class FramedMessageReader extends AbstractMessageReader {
  private chunks: Buffer[] = [];
  private total = 0;
  /** Length of the body being waited for, once its header was read. */
  private bodyLength: number | undefined;
  /** Bytes of a refused (oversized) body still to discard. */
  private discard = 0;
  /** After a broken header: skip to the next `Content-Length:`. */
  private resync = false;
  private callback: DataCallback | undefined;

  constructor(
    private readonly readable: NodeJS.ReadableStream,
    public hooks: FramingHooks,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer | string): void =>
      this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const onError = (error: Error): void => this.fireError(error);
    const onClose = (): void => this.fireClose();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    return {
      dispose: () => {
        this.readable.off('data', onData);
        this.readable.off('error', onError);
        this.readable.off('end', onClose);
        this.readable.off('close', onClose);
      },
    };
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    // Each step consumes bytes or returns false when it needs more.
    while (this.total > 0 && this.step());
  }

  private step(): boolean {
    if (this.discard > 0) {
      const dropped = Math.min(this.discard, this.total);
      this.take(dropped);
      this.discard -= dropped;
      return true;
    }
    if (this.bodyLength !== undefined) {
      if (this.total < this.bodyLength) return false;
      const body = this.take(this.bodyLength);
      this.bodyLength = undefined;
      this.deliver(body);
      return true;
    }
    const buffer = this.joined();
    if (this.resync) return this.skipToHeader(buffer);
    const end = buffer.indexOf(SEPARATOR);
    if (end < 0) {
      if (buffer.length <= MAX_HEADER_BYTES) return false;
      this.hooks.log(`ignored ${buffer.length} bytes that are not an LSP header`);
      this.resync = true;
      return this.skipToHeader(buffer);
    }
    const header = buffer.subarray(0, end).toString('latin1');
    this.take(end + SEPARATOR.length);
    this.readHeader(header);
    return true;
  }

  /** Sets up reading the body a header announces, or reports why it cannot. */
  private readHeader(header: string): void {
    const field = header
      .split('\r\n')
      .map((line) => /^content-length:\s*(.*?)\s*$/i.exec(line)?.[1])
      .find((value) => value !== undefined);
    if (field === undefined || !/^\d+$/.test(field)) {
      const what = field === undefined ? 'no Content-Length' : `Content-Length \`${field}\``;
      this.hooks.log(
        `ignored a message with ${what} (header ${JSON.stringify(header.slice(0, 200))}); skipping to the next Content-Length header`,
      );
      this.resync = true;
      return;
    }
    const length = Number(field);
    if (length > this.maxBytes) {
      this.hooks.log(
        `ignored a message of ${length} bytes: messages may be at most ${this.maxBytes} bytes`,
      );
      this.discard = length;
      return;
    }
    this.bodyLength = length;
  }

  /** Drops bytes up to the next `Content-Length:` (keeping a tail that may start one). */
  private skipToHeader(buffer: Buffer): boolean {
    const text = buffer.toString('latin1');
    const found = CONTENT_LENGTH.exec(text);
    if (found) {
      this.take(found.index);
      this.resync = false;
      return true;
    }
    const keep = 'content-length:'.length - 1;
    if (buffer.length > keep) this.take(buffer.length - keep);
    return false;
  }

  private deliver(body: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.hooks.parseError(`the message is not valid JSON: ${(error as Error).message}`);
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.hooks.parseError('the message is not a JSON object');
      return;
    }
    this.callback?.(message as Message);
  }

  /** The buffered bytes as one buffer (joined once, then kept joined). */
  private joined(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.total)];
    return this.chunks[0];
  }

  /** Removes and returns the first `count` buffered bytes. */
  private take(count: number): Buffer {
    const buffer = this.joined();
    const taken = buffer.subarray(0, count);
    const rest = buffer.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.total = rest.length;
    return taken;
  }
}
