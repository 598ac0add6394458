import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase } from '../../server/src/db/sql.js';
import { createPlatform } from '../../server/src/modules/platforms/platform.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { gqlData } from '../support/graphql.js';
import { HEADER, createBatch, putFile, waitForStatus } from '../support/flow.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const ROWS = 500_000;
/** The server gets a small heap: a pipeline that buffered the file or its rows would die. */
const HEAP_MB = 160;

/** Peak resident memory of a process (Linux), in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

describe(`a ${ROWS.toLocaleString('en')}-row file`, () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let apiKey: string;
  let csv: Buffer;

  beforeAll(async () => {
    database = await createTestDatabase();
    const orm = await openOrm(parseEnv({ DATABASE_URL: database.url }).database);
    const db = createSqlDatabase(orm);
    const p = await createPlatform(orm.em.fork(), db, { name: 'Scale Corp', accounts: ROWS });
    apiKey = p.apiKey;
    const ids = await db.query<{ id: string }>('select id from connected_account where platform_id = $1 order by id', [p.platformId]);
    await orm.close();
    // Every row sets an email: ADD or REPLACE, INVALID for closed/rejected accounts.
    const parts = [HEADER];
    for (const [i, r] of ids.entries()) parts.push(`${r.id},,,,bulk.${i}@scale.example,✗`);
    csv = Buffer.from(`${parts.join('\n')}\n`);
    server = await spawnServer({
      DATABASE_URL: database.url,
      NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
      LOG_LEVEL: 'warn',
    });
  }, 300_000);
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await database.drop();
  });

  it('validates and applies within a small heap, every row accounted for', { timeout: 600_000 }, async () => {
    const auth = { apiKey };
    const { batch, uploadUrl } = await createBatch(server.url, auth);
    const started = Date.now();
    expect((await putFile(uploadUrl, auth, csv)).status).toBe(202);
    const validated = await waitForStatus(server.url, auth, batch.id, ['VALIDATED', 'REJECTED', 'FAILED'], 300_000);
    const validateSeconds = (Date.now() - started) / 1000;
    expect(validated.status).toBe('VALIDATED');
    const s = validated.summary;
    expect(s.totalRows).toBe(ROWS);
    expect(s.additions + s.replacements + s.invalid).toBe(ROWS);
    expect(s.invalid).toBeGreaterThan(0);

    const applyStart = Date.now();
    await gqlData(server.url, auth, 'mutation($id: ID!) { confirmUploadBatch(id: $id) { status } }', { id: batch.id });
    const done = await waitForStatus(server.url, auth, batch.id, ['COMPLETED', 'FAILED'], 300_000);
    const applySeconds = (Date.now() - applyStart) / 1000;
    expect(done.summary).toMatchObject({ applied: s.additions + s.replacements, conflicts: 0, failed: 0 });
    const rss = peakRssMb(server.child.pid as number);
    // Informational only: timings belong in bench/, this test proves completion within the heap.
    console.log(`${ROWS} rows: validated in ${validateSeconds.toFixed(1)} s, applied in ${applySeconds.toFixed(1)} s, peak RSS ${rss.toFixed(0)} MB`);
    expect(server.child.exitCode).toBeNull();
  });
});
