/**
 * An append-only file where a write counts only once it is fsynced. A torn last line (the process
 * died mid-write) is cut off on open; a failed write is rolled back by truncating to the last good
 * size, so the file never holds half a record followed by more records. `replace` swaps the whole
 * content atomically (write a temp file, fsync, rename, fsync the directory).
 */
import { existsSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import path from 'node:path';

export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some platforms cannot fsync a directory; the rename is then as durable as the OS makes it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await handle?.close();
  }
}

async function writeAll(handle: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await handle.write(buf, offset, buf.length - offset, null);
    offset += bytesWritten;
  }
}

export interface OpenedLog {
  log: LogFile;
  /** The complete lines already in the file. */
  content: string;
  /** Bytes of an unfinished last line that were cut off. */
  tornBytes: number;
}

export class LogFile {
  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private bytes: number,
  ) {}

  /** Opens (creating it if needed) and reads the file; a torn last line is truncated away. */
  static async open(file: string): Promise<OpenedLog> {
    const created = !existsSync(file);
    const handle = await open(file, 'a+');
    try {
      const buf = await handle.readFile();
      let keep = buf.length;
      if (keep > 0 && buf[keep - 1] !== 0x0a) {
        keep = buf.lastIndexOf(0x0a) + 1;
        await handle.truncate(keep);
        await handle.sync();
      }
      if (created) await syncDir(path.dirname(file));
      return {
        log: new LogFile(file, handle, keep),
        content: buf.subarray(0, keep).toString('utf8'),
        tornBytes: buf.length - keep,
      };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends and fsyncs; on failure the file is cut back to where it was and the error is thrown. */
  async append(data: string): Promise<void> {
    if (data.length === 0) return;
    const buf = Buffer.from(data, 'utf8');
    try {
      await writeAll(this.handle, buf);
      await this.handle.sync();
      this.bytes += buf.length;
    } catch (err) {
      await this.handle.truncate(this.bytes).catch(() => undefined);
      throw err;
    }
  }

  /** Replaces the whole content atomically. */
  async replace(data: string): Promise<void> {
    const tmp = `${this.file}.tmp`;
    const buf = Buffer.from(data, 'utf8');
    const out = await open(tmp, 'w');
    try {
      await writeAll(out, buf);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.file);
    await syncDir(path.dirname(this.file));
    const old = this.handle;
    this.handle = await open(this.file, 'a');
    this.bytes = buf.length;
    await old.close();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
