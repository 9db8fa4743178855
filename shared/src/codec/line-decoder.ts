/**
 * NDJSON framing: bytes in, lines out.
 *
 * - Lines end with `\n`; a trailing `\r` is dropped; empty (or blank) lines are ignored.
 * - Splitting happens on the byte 0x0A, which never occurs inside a multi-byte UTF-8 character,
 *   so a character split across chunks is decoded correctly once its line is complete.
 * - At most `maxLineBytes` bytes of an unfinished line are ever held. A longer line is reported
 *   once through `onOverflow` and the rest of it is discarded up to its `\n`; the caller decides
 *   whether to close the connection (the servers do).
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

export interface LineDecoderOptions {
  maxLineBytes?: number;
}

export interface LineSink {
  onLine(line: string): void;
  onOverflow(bytesSeen: number): void;
}

export class LineDecoder {
  readonly maxLineBytes: number;
  /** The pieces of an unfinished line; null when there is none (an idle connection holds no array). */
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;
  /** True while discarding the remainder of an over-long line. */
  private discarding = false;

  constructor(
    private readonly sink: LineSink,
    options: LineDecoderOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(this.maxLineBytes) || this.maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${this.maxLineBytes}`);
    }
  }

  /** Bytes of an unfinished line currently held (never more than maxLineBytes). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer | Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      this.take(buf, start, end, nl !== -1);
      start = end + 1;
    }
  }

  /** Clears any partial line (call when the stream ends; a line without `\n` is not a message). */
  reset(): void {
    this.pending = null;
    this.pendingBytes = 0;
    this.discarding = false;
  }

  private take(buf: Buffer, start: number, end: number, complete: boolean): void {
    const length = end - start;
    if (this.discarding) {
      if (complete) this.reset();
      return;
    }
    if (this.pendingBytes + length > this.maxLineBytes) {
      const seen = this.pendingBytes + length;
      this.pending = null;
      this.pendingBytes = 0;
      this.sink.onOverflow(seen);
      if (!complete) {
        this.discarding = true;
      }
      return;
    }
    if (!complete) {
      // Copy: the caller may reuse its chunk buffer.
      (this.pending ??= []).push(Buffer.from(buf.subarray(start, end)));
      this.pendingBytes += length;
      return;
    }
    const line =
      this.pending === null
        ? buf.subarray(start, end)
        : Buffer.concat([...this.pending, buf.subarray(start, end)], this.pendingBytes + length);
    this.pending = null;
    this.pendingBytes = 0;
    this.emit(line);
  }

  private emit(line: Buffer): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end -= 1;
    const text = line.toString('utf8', 0, end);
    if (text.trim().length === 0) return;
    this.sink.onLine(text);
  }
}
