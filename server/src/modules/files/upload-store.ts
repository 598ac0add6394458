import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Env } from '../../config/env.js';
import type { SqlDatabase } from '../../db/sql.js';

/**
 * Where an uploaded file waits between the PUT and its validation job. The
 * `local-dir` store keeps it in UPLOAD_DIR (one machine); the `database` store
 * keeps it in `upload_chunk`, so any worker can read what any API instance received.
 */
export interface UploadStore {
  readonly kind: 'local-dir' | 'database';
  /** Streams `body` (already metered and capped by the caller) into the store; on failure nothing is kept. */
  write(batchId: string, body: NodeJS.ReadableStream, ...through: NodeJS.ReadWriteStream[]): Promise<void>;
  /** The stored bytes, as a stream. */
  read(batchId: string): Readable;
  /** Whether a file is stored for the batch (start-up: can its validation start over?). */
  has(batchId: string): Promise<boolean>;
  remove(batchId: string): Promise<void>;
  /** Removes every stored upload but those of `keep` (start-up: only the validations restarting want theirs). */
  removeAll(keep?: ReadonlySet<string>): Promise<void>;
}

/** Bytes per `upload_chunk` row: large enough for few round trips, small enough to keep memory flat. */
const DB_CHUNK_BYTES = 1024 * 1024;

/** Today's store: one file per batch in a directory of this machine. */
export class LocalDirUploadStore implements UploadStore {
  readonly kind = 'local-dir';
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
  }
  private path(batchId: string): string {
    return join(this.dir, `${batchId}.upload`);
  }
  async write(batchId: string, body: NodeJS.ReadableStream, ...through: NodeJS.ReadWriteStream[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    try {
      await pipeline([body, ...through, createWriteStream(this.path(batchId))]);
    } catch (err) {
      await this.remove(batchId);
      throw err;
    }
  }
  read(batchId: string): Readable {
    return createReadStream(this.path(batchId));
  }
  async remove(batchId: string): Promise<void> {
    await rm(this.path(batchId), { force: true });
  }
  async has(batchId: string): Promise<boolean> {
    return (await stat(this.path(batchId)).catch(() => null))?.isFile() ?? false;
  }
  async removeAll(keep: ReadonlySet<string> = new Set()): Promise<void> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    const gone = files.filter((f) => f.endsWith('.upload') && !keep.has(f.slice(0, -'.upload'.length)));
    await Promise.all(gone.map((f) => rm(join(this.dir, f), { force: true })));
  }
}

/**
 * The scale-out store: the body in 1 MiB rows of `upload_chunk` (bytea / blob),
 * written as it arrives and read back one row at a time, so neither side holds
 * the file in memory. Bounded by MAX_UPLOAD_BYTES (256 MiB by default) per batch.
 */
export class DatabaseUploadStore implements UploadStore {
  readonly kind = 'database';
  constructor(private readonly db: SqlDatabase) {}

  async write(batchId: string, body: NodeJS.ReadableStream, ...through: NodeJS.ReadWriteStream[]): Promise<void> {
    const { db } = this;
    let seq = 0;
    let pending: Buffer[] = [];
    let size = 0;
    const flush = async () => {
      if (size === 0) return;
      const data = Buffer.concat(pending, size);
      pending = [];
      size = 0;
      await db.execute('insert into upload_chunk (batch_id, seq, data) values ($1, $2, $3)', [batchId, seq++, data]);
    };
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        pending.push(chunk);
        size += chunk.length;
        if (size < DB_CHUNK_BYTES) {
          done();
          return;
        }
        flush().then(() => done(), done);
      },
      final(done) {
        flush().then(() => done(), done);
      },
    });
    // A retried PUT never reaches here (the batch is claimed once), but a leftover must not mix in.
    await this.remove(batchId);
    try {
      await pipeline([body, ...through, sink]);
    } catch (err) {
      await this.remove(batchId);
      throw err;
    }
  }

  read(batchId: string): Readable {
    const { db } = this;
    return Readable.from(
      (async function* () {
        for (let seq = 0; ; seq++) {
          const [row] = await db.query<{ data: Uint8Array }>('select data from upload_chunk where batch_id = $1 and seq = $2', [batchId, seq]);
          if (!row) return;
          yield Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
        }
      })(),
      { objectMode: false },
    );
  }

  async remove(batchId: string): Promise<void> {
    await this.db.execute('delete from upload_chunk where batch_id = $1', [batchId]);
  }

  async has(batchId: string): Promise<boolean> {
    return (await this.db.query('select 1 as one from upload_chunk where batch_id = $1 limit 1', [batchId])).length > 0;
  }

  async removeAll(keep: ReadonlySet<string> = new Set()): Promise<void> {
    // Start-up only: the kept ids are the few validations restarting.
    const ids = [...keep];
    await this.db.execute(
      ids.length === 0 ? 'delete from upload_chunk' : `delete from upload_chunk where batch_id not in (${ids.map((_, i) => `$${i + 1}`).join(', ')})`,
      ids,
    );
  }
}

/** The one place that picks the upload store (UPLOAD_STORE, or `database` when REDIS_URL is set). */
export function createUploadStore(env: Env, db: SqlDatabase): UploadStore {
  return env.uploadStore === 'database' ? new DatabaseUploadStore(db) : new LocalDirUploadStore(env.UPLOAD_DIR);
}
