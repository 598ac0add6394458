import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { parseEnv } from '../../server/src/config/env.js';
import { openOrm } from '../../server/src/db/orm.js';
import { createSqlDatabase, type SqlDatabase } from '../../server/src/db/sql.js';
import { accountUpdatedEvent } from '../../server/src/modules/events/account-event.js';
import { applyChunk } from '../../server/src/modules/batches/apply/apply.job.js';

// Names a JSON writer must escape: quotes, backslashes, control characters, non-ASCII.
const NAMES = ['Plain', 'Quote "Q" Ltd', 'Back\\slash', 'Line\nbreak\ttab', 'Ctrl \u0001\u001f\u007f', 'Café 中文 😀', '\u2028/\u2029', null];

describe('apply chunk (set-based, events built in SQL)', () => {
  let database: TestDatabase;
  let orm: Awaited<ReturnType<typeof openOrm>>;
  let db: SqlDatabase;
  const now = new Date('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await openOrm(parseEnv({ DATABASE_URL: database.url }).database);
    db = createSqlDatabase(orm);
    await db.execute('insert into platform (id, name, created_at) values ($1, $2, $3)', ['plat_a', 'A', now]);
  });

  afterAll(async () => {
    await orm?.close();
    await database?.drop();
  });

  async function seedBatch(batchId: string, rows: number): Promise<void> {
    await db.execute(
      `insert into upload_batch (id, platform_id, status, created_at, updated_at, expires_at) values ($1, 'plat_a', 'APPLYING', $2, $2, $2)`,
      [batchId, now],
    );
    for (let i = 1; i <= rows; i++) {
      const id = `acct_${batchId}_${i}`;
      const name = NAMES[i % NAMES.length];
      const status = i % 11 === 0 ? 'closed' : 'active';
      await db.execute(
        `insert into connected_account (platform_id, id, business_name, first_name, last_name, email, status, updated_at)
         values ('plat_a', $1, $2, $3, $4, $5, $6, $7)`,
        [id, name, name, i % 2 ? 'Doe' : null, i % 3 ? `old${i}@example.com` : null, status, now],
      );
      // Every fifth row is not an applicable change (UNCHANGED), so row numbers and pending rows differ.
      const pending = i % 5 !== 0;
      await db.execute(
        `insert into batch_row (batch_id, row_number, account_id, new_email, current_email, change, apply_status)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [batchId, i, id, `new${i}@example.com`, i % 3 ? `old${i}@example.com` : null, pending ? 'REPLACE' : 'UNCHANGED', pending ? 'PENDING' : 'NONE'],
      );
    }
  }

  it('writes each event body byte for byte as JSON.stringify of the SPEC event', async () => {
    await seedBatch('ub_json', 40);
    let after = 0;
    for (;;) {
      const last = await db.transaction((tx) => applyChunk(tx, 'plat_a', 'ub_json', after, 7));
      if (last === null) break;
      expect(last).toBeGreaterThan(after);
      after = last;
    }
    const events = await db.query<{ id: string; payload: string; row_number: number; created_at: unknown }>(
      'select id, payload, row_number, created_at from event where batch_id = $1 order by seq',
      ['ub_json'],
    );
    const accounts = await db.query<{ id: string; email: string | null; business_name: string | null; first_name: string | null; last_name: string | null }>(
      `select id, email, business_name, first_name, last_name from connected_account where id like 'acct_ub_json_%'`,
    );
    const byId = new Map(accounts.map((a) => [a.id, a]));
    // Rows 5, 10, … are UNCHANGED; 11, 22, 33 closed accounts (FAILED).
    const expected = Array.from({ length: 40 }, (_, k) => k + 1).filter((i) => i % 5 !== 0 && i % 11 !== 0);
    expect(events.map((e) => Number(e.row_number))).toEqual(expected);
    for (const e of events) {
      const i = Number(e.row_number);
      const a = byId.get(`acct_ub_json_${i}`);
      expect(a?.email).toBe(`new${i}@example.com`);
      const want = accountUpdatedEvent(
        { id: a?.id ?? '', email: a?.email ?? null, businessName: a?.business_name ?? null, firstName: a?.first_name ?? null, lastName: a?.last_name ?? null },
        i % 3 ? `old${i}@example.com` : null,
        'ub_json',
        now,
      );
      expect(e.id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
      expect(e.payload).toBe(JSON.stringify({ ...want, id: e.id, created: JSON.parse(e.payload).created }));
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const [counts] = await db.query<{ applied: number; conflicts: number; failed: number }>(
      'select applied, conflicts, failed from upload_batch where id = $1',
      ['ub_json'],
    );
    expect(Number(counts.applied)).toBe(expected.length);
    expect(Number(counts.failed)).toBe(3);
  });

  it('marks rows whose account changed since validation CONFLICT and resumes from the first PENDING row', async () => {
    await seedBatch('ub_resume', 30);
    // A concurrent edit before the apply: row 2's account no longer has the email validation saw.
    await db.execute(`update connected_account set email = 'someone@else.com' where id = 'acct_ub_resume_2'`);
    const first = await db.transaction((tx) => applyChunk(tx, 'plat_a', 'ub_resume', 0, 4));
    expect(first).toBe(4);
    // A restarted job starts its cursor at 0 again: the done rows are skipped, none applied twice.
    let after = 0;
    for (;;) {
      const last = await db.transaction((tx) => applyChunk(tx, 'plat_a', 'ub_resume', after, 5));
      if (last === null) break;
      after = last;
    }
    const statuses = await db.query<{ row_number: number; apply_status: string }>(
      'select row_number, apply_status from batch_row where batch_id = $1 order by row_number',
      ['ub_resume'],
    );
    expect(statuses.find((s) => Number(s.row_number) === 2)?.apply_status).toBe('CONFLICT');
    expect(statuses.filter((s) => s.apply_status === 'PENDING')).toEqual([]);
    const [n] = await db.query<{ n: number | string }>('select count(*) as n from event where batch_id = $1', ['ub_resume']);
    expect(Number(n.n)).toBe(statuses.filter((s) => s.apply_status === 'APPLIED').length);
  });

  it('does nothing once the batch is no longer APPLYING', async () => {
    await seedBatch('ub_done', 3);
    await db.execute(`update upload_batch set status = 'COMPLETED' where id = 'ub_done'`);
    expect(await db.transaction((tx) => applyChunk(tx, 'plat_a', 'ub_done', 0, 10))).toBeNull();
  });
});
