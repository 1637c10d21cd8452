import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * An append-only file of JSON lines, the demo apps' simple durable storage. `open` creates the directory if needed
 * and returns what earlier runs appended, in order; a line that does not parse (torn by a crash mid-write, so never
 * confirmed to anyone) is skipped. `append` resolves once its line is written and fsync'd; appends are written one
 * at a time, in call order, and one that fails does not stop the next.
 */
export class JsonLinesLog<T> {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens `dir/fileName` for appending (creating `dir` if needed) and reads the records already in it. */
  static async open<T>(dir: string, fileName: string): Promise<{ log: JsonLinesLog<T>; records: T[] }> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, fileName);
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    const log = new JsonLinesLog<T>(file, await open(file, 'a'));
    // A torn last line (a crash mid-write) must not swallow the next record: start the next append on a new line.
    if (text.length > 0 && !text.endsWith('\n')) {
      await log.handle.write('\n');
      await log.handle.datasync();
    }
    const records: T[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as T);
      } catch {
        continue; // torn by a crash mid-write: its append never resolved
      }
    }
    return { log, records };
  }

  /** Appends one record as a line; resolves once it is on disk (datasync). */
  append(record: T): Promise<void> {
    const write = this.writes.then(async () => {
      await this.handle.write(`${JSON.stringify(record)}\n`);
      await this.handle.datasync();
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    await this.writes;
    await this.handle.close();
  }
}
