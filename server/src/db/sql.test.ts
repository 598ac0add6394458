import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlTypes } from './migrations/sql-types.js';
import type { SqlDatabase, SqlValue } from './sql.js';
import { openScratchDatabase, type ScratchDatabase, TEST_DIALECTS } from './test-utils.js';

const COLUMNS = ['id', 'n', 'big', 'flag', 'at', 'note', 'bytes'];

describe.each(TEST_DIALECTS)('SqlDatabase on %s', (dialect) => {
  let opened: ScratchDatabase;
  let db: SqlDatabase;
  beforeAll(async () => {
    opened = await openScratchDatabase(dialect, 'sql');
    db = opened.db;
    const t = sqlTypes(dialect);
    await db.execute(`create table seam_probe (
      id ${t.id} primary key, n ${t.int}, big ${t.bigint}, flag ${t.bool}, at ${t.time}, note ${t.text},
      bytes ${dialect === 'postgresql' ? 'bytea' : 'blob'}, fixed ${t.text} not null default 'kept'
    )`);
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });

  it('insertMany keeps every kind of value, across statement boundaries', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const awkward = ['a,b', 'quote " and \\ backslash', '{braces}', 'NULL', '', 'é ✔ 😀', "it's"];
    const rows: SqlValue[][] = [];
    for (let i = 0; i < 12_345; i++) {
      rows.push([
        `id_${String(i).padStart(6, '0')}`,
        i % 7 === 0 ? null : i,
        i === 1 ? 9_007_199_254_740_993n : BigInt(i) * 1_000_000_000n,
        i % 2 === 0,
        i % 5 === 0 ? null : at,
        awkward[i % awkward.length],
        i % 3 === 0 ? new Uint8Array([0, 255, i % 256]) : null,
      ]);
    }
    await db.transaction((tx) => tx.insertMany('seam_probe', COLUMNS, rows));
    const [{ n }] = await db.query<{ n: number | string }>('select count(*) as n from seam_probe');
    expect(Number(n)).toBe(rows.length);
    const back = await db.query<Record<string, unknown>>(
      `select id, n, cast(big as text) as big, flag, at, note, bytes, fixed from seam_probe where id ${db.anyOf(1)} order by id`,
      [['id_000000', 'id_000001', 'id_000003', 'id_000005', 'id_012344']],
    );
    expect(back.map((r) => r.id)).toEqual(['id_000000', 'id_000001', 'id_000003', 'id_000005', 'id_012344']);
    // SQLite stores epoch milliseconds; pg returns a Date or its text, depending on the ORM's type parsers.
    const asDate = (v: unknown) => (v === null ? null : new Date(typeof v === 'number' ? v : (v as string | Date)).toISOString());
    const bytes = (v: unknown) => (v === null ? null : [...(v as Uint8Array)]);
    expect(
      back.map((r) => [r.id, r.n === null ? null : Number(r.n), r.big, Boolean(r.flag), asDate(r.at), r.note, bytes(r.bytes), r.fixed]),
    ).toEqual([
      ['id_000000', null, '0', true, null, 'a,b', [0, 255, 0], 'kept'],
      ['id_000001', 1, '9007199254740993', false, at.toISOString(), 'quote " and \\ backslash', null, 'kept'],
      ['id_000003', 3, '3000000000', false, at.toISOString(), 'NULL', [0, 255, 3], 'kept'],
      ['id_000005', 5, '5000000000', false, null, 'é ✔ 😀', null, 'kept'],
      ['id_012344', 12_344, '12344000000000', true, at.toISOString(), 'NULL', null, 'kept'],
    ]);
  });

  it('insertMany keeps tabs, line breaks and backslash sequences as written (PostgreSQL streams them as COPY text)', async () => {
    const t = sqlTypes(dialect);
    await db.execute(`create table seam_text (id ${t.int} primary key, note ${t.text})`);
    const notes = ['a\tb', 'line\nbreak', 'cr\r\nlf', '\\N', '\\', 'back\\slash\\t', 'tab at end\t'];
    await db.transaction((tx) => tx.insertMany('seam_text', ['id', 'note'], notes.map((note, i) => [i, note])));
    const back = await db.query<{ note: string }>('select note from seam_text order by id');
    expect(back.map((r) => r.note)).toEqual(notes);
  });

  it('returns rows the same from both drivers: times as Date, booleans as boolean, counts as number', async () => {
    const t = sqlTypes(dialect);
    await db.execute(`create table seam_kinds (id ${t.id} primary key, enabled ${t.bool} not null, seen_at ${t.time}, n ${t.bigint})`);
    const at = new Date('2026-03-04T05:06:07.890Z');
    await db.transaction((tx) =>
      tx.insertMany('seam_kinds', ['id', 'enabled', 'seen_at', 'n'], [
        ['a', true, at, 1],
        ['b', false, null, 2],
      ]),
    );
    const rows = await db.query<{ id: string; enabled: unknown; seen_at: unknown }>('select id, enabled, seen_at from seam_kinds order by id');
    expect(rows).toEqual([
      { id: 'a', enabled: true, seen_at: at },
      { id: 'b', enabled: false, seen_at: null },
    ]);
    expect(rows[0].seen_at).toBeInstanceOf(Date);
    const [agg] = await db.query<{ rows: unknown; total: unknown }>('select count(*) as rows, sum(n) as total from seam_kinds');
    expect(agg).toEqual({ rows: 2, total: 3 });
    const [returned] = await db.query<{ seen_at: unknown }>('update seam_kinds set seen_at = $1 where id = $2 returning seen_at', [at, 'b']);
    expect(returned.seen_at).toEqual(at);
  });

  it('insertMany honours an on-conflict clause', async () => {
    await db.transaction((tx) =>
      tx.insertMany(
        'seam_probe',
        ['id', 'note'],
        [
          ['conflict_1', 'first'],
          ['conflict_2', 'first'],
        ],
      ),
    );
    await db.transaction((tx) =>
      tx.insertMany(
        'seam_probe',
        ['id', 'note'],
        [
          ['conflict_1', 'second'],
          ['conflict_3', 'second'],
        ],
        'on conflict (id) do nothing',
      ),
    );
    const rows = await db.query<{ id: string; note: string }>(`select id, note from seam_probe where id ${db.anyOf(1)} order by id`, [
      ['conflict_1', 'conflict_2', 'conflict_3'],
    ]);
    expect(rows).toEqual([
      { id: 'conflict_1', note: 'first' },
      { id: 'conflict_2', note: 'first' },
      { id: 'conflict_3', note: 'second' },
    ]);
  });

  it('anyOf matches numbers, and nothing for an empty list', async () => {
    const some = await db.query<{ id: string }>(`select id from seam_probe where n ${db.anyOf(1)} order by id`, [[1, 2, 3]]);
    expect(some.map((r) => r.id)).toEqual(['id_000001', 'id_000002', 'id_000003']);
    expect(await db.query(`select id from seam_probe where id ${db.anyOf(1)}`, [[]])).toEqual([]);
  });

  it('a non-durable transaction commits and rolls back like any other', async () => {
    await db.transaction((tx) => tx.execute(`insert into seam_probe (id, note) values ('async_1', 'x')`), { durable: false });
    await expect(
      db.transaction(
        async (tx) => {
          await tx.execute(`insert into seam_probe (id, note) values ('async_2', 'x')`);
          throw new Error('stop');
        },
        { durable: false },
      ),
    ).rejects.toThrow('stop');
    const rows = await db.query<{ id: string }>(`select id from seam_probe where id like 'async_%'`);
    expect(rows.map((r) => r.id)).toEqual(['async_1']);
    // The setting is local to the transaction: the next one waits for its commit again.
    if (dialect === 'postgresql') {
      const [s] = await db.transaction((tx) => tx.query<{ synchronous_commit: string }>('show synchronous_commit'));
      expect(s.synchronous_commit).toBe('on');
    }
  });

  it('analyze can run repeatedly', async () => {
    await db.analyze('seam_probe');
    await db.analyze('seam_probe');
  });
});

describe.each(TEST_DIALECTS)('SqlDatabase.scans on %s', (dialect) => {
  let opened: ScratchDatabase;
  let db: SqlDatabase;
  beforeAll(async () => {
    opened = await openScratchDatabase(dialect, 'scans');
    db = opened.db;
    const t = sqlTypes(dialect);
    await db.execute(`create table scan_probe (id ${t.id} primary key, flag ${t.bool}, at ${t.time}, n ${t.int})`);
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });

  it('reads the last commit, typed like every other read', async () => {
    const at = new Date('2026-03-04T05:06:07.890Z');
    await db.transaction((tx) =>
      tx.insertMany(
        'scan_probe',
        ['id', 'flag', 'at', 'n'],
        [
          ['a', true, at, 1],
          ['b', false, null, 2],
        ],
      ),
    );
    const rows = await db.scans.query<{ id: string; flag: boolean; at: Date | null; n: number }>(
      `select id, flag, at, n from scan_probe where id ${db.scans.anyOf(1)} order by id`,
      [['a', 'b']],
    );
    // Dates come back as Dates (declared type); booleans as the seam gives them for this ad hoc table.
    expect(rows.map((r) => [r.id, Boolean(r.flag), r.at instanceof Date ? r.at.toISOString() : r.at, Number(r.n)])).toEqual([
      ['a', true, at.toISOString(), 1],
      ['b', false, null, 2],
    ]);
    // The same statement again (its types are known by then), after another commit.
    await db.execute("update scan_probe set flag = $1 where id = 'b'", [true]);
    const again = await db.scans.query<{ id: string; flag: boolean }>(`select id, flag, at, n from scan_probe where id ${db.scans.anyOf(1)} order by id`, [
      ['b'],
    ]);
    expect(again.map((r) => Boolean(r.flag))).toEqual([true]);
  });

  it('keeps the server answering while a long read runs', async () => {
    // A read of a few seconds' work; meanwhile a timer set for 20 ms must fire on time.
    const slow = db.scans.query<{ n: number | string }>(
      'with recursive c(i) as (select 1 union all select i + 1 from c where i < 6000000) select count(*) as n from c',
    );
    const firedAfter = await new Promise<number>((done) => {
      const start = Date.now();
      setTimeout(() => done(Date.now() - start), 20);
    });
    const [{ n }] = await slow;
    expect(Number(n)).toBe(6_000_000);
    expect(firedAfter).toBeLessThan(500);
  });

  it('reports a bad statement as an error of the caller', async () => {
    await expect(db.scans.query('select nope from scan_probe')).rejects.toThrow(/nope/);
  });
});
