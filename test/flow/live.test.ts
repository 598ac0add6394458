import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { subscribeAll, wsClient } from '../support/graphql.js';
import { BATCH_FIELDS, type Batch, HEADER, ROW_FIELDS, type Row, createBatch, putFile, uploadAndValidate } from '../support/flow.js';

describe('live subscriptions', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let other: { apiKey: string };
  let ids: string[];

  beforeAll(async () => {
    // Small chunks so validation of a few thousand rows produces many progress steps.
    t = await startTestApp({ VALIDATION_CHUNK_ROWS: '50' });
    const p = await t.platform('Live Co', 4000);
    other = { apiKey: (await t.platform('Elsewhere', 5)).apiKey };
    auth = { apiKey: p.apiKey };
    // Accounts whose rows raise no warning of their own: eligible and not claimed.
    ids = (
      await t.app.services.db.query<{ id: string }>(
        `select id from connected_account where platform_id = $1 and status not in ('closed', 'rejected') and user_claimed_email = $2 order by id`,
        [p.platformId, false],
      )
    ).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(2000);
  });
  afterAll(() => t.stop());

  /** A file where every third row is an invalid email, so problems are spread over the whole file. */
  function problemFile(rows: number): string {
    const lines = [HEADER];
    for (let i = 0; i < rows; i++) lines.push(`${ids[i]},,,,${i % 3 === 0 ? 'broken-email' : `ok${i}@example.com`},✗`);
    return lines.join('\n');
  }

  it('streams progress (≤ 10 events/s), ends with the final state, and completes', async () => {
    const { batch, uploadUrl } = await createBatch(t.url, auth);
    const client = wsClient(t.wsUrl, auth);
    const updates = subscribeAll<{ uploadBatchUpdated: Batch }>(client, `subscription($id: ID!) { uploadBatchUpdated(id: $id) { ${BATCH_FIELDS} } }`, {
      id: batch.id,
    });
    const problems = subscribeAll<{ uploadBatchProblemRows: Row[] }>(client, `subscription($id: ID!) { uploadBatchProblemRows(id: $id) { ${ROW_FIELDS} } }`, {
      id: batch.id,
    });
    await expect.poll(() => updates.events.length).toBeGreaterThan(0);
    expect(updates.events[0].uploadBatchUpdated.status).toBe('AWAITING_UPLOAD');
    const before = updates.events.length;
    expect((await putFile(uploadUrl, auth, problemFile(2000))).status).toBe(202);
    // VALIDATED is not terminal (the batch waits for confirm), so the stream stays open.
    await expect.poll(() => updates.events.at(-1)?.uploadBatchUpdated.status, { timeout: 30_000 }).toBe('VALIDATED');
    const events = [...updates.events];
    updates.unsubscribe();
    expect(events.length).toBeGreaterThan(before);
    const statuses = events.map((e) => e.uploadBatchUpdated.status);
    expect(statuses.at(-1)).toBe('VALIDATED');
    expect(statuses).toContain('VALIDATING');
    const processed = events.map((e) => e.uploadBatchUpdated.summary.processedRows);
    expect([...processed].sort((a, b) => a - b)).toEqual(processed);
    expect(events.at(-1)!.uploadBatchUpdated.summary).toMatchObject({ totalRows: 2000, processedRows: 2000, invalid: 667 });

    const lists = (await problems.done).map((e) => e.uploadBatchProblemRows);
    await client.dispose();
    const rows = lists.flat();
    expect(rows.map((r) => r.rowNumber)).toEqual(Array.from({ length: 667 }, (_, i) => 2 + i * 3));
    for (const list of lists) {
      expect(list.length).toBeLessThanOrEqual(100);
      expect(list.map((r) => r.rowNumber)).toEqual([...list.map((r) => r.rowNumber)].sort((a, b) => a - b));
    }
    expect(rows.every((r) => r.change === 'INVALID' && r.issues[0].code === 'INVALID_EMAIL')).toBe(true);
  });

  it('keeps to about 10 events per second', async () => {
    const { batch, uploadUrl } = await createBatch(t.url, auth);
    const client = wsClient(t.wsUrl, auth);
    const times: number[] = [];
    const updates = subscribeAll<{ uploadBatchUpdated: Batch }>(client, 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status } }', {
      id: batch.id,
    });
    const sub = client.subscribe({ query: 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status } }', variables: { id: batch.id } }, {
      next: () => times.push(Date.now()),
      error: () => undefined,
      complete: () => undefined,
    });
    await expect.poll(() => times.length).toBeGreaterThan(0);
    // 20,000 rows in chunks of 50: a few hundred progress steps to throttle.
    const lines = [HEADER];
    for (let i = 0; i < 20_000; i++) lines.push(`${ids[i % ids.length]},,,,,✗`);
    await putFile(uploadUrl, auth, lines.join('\n'));
    await expect.poll(() => updates.events.at(-1)?.uploadBatchUpdated.status, { timeout: 30_000 }).toBe('VALIDATED');
    updates.unsubscribe();
    sub();
    await client.dispose();
    // Delivery jitters with the event loop, so the bound is the API's: about 10 events in any second.
    expect(times.length).toBeGreaterThanOrEqual(5);
    for (const start of times) expect(times.filter((x) => x >= start && x < start + 1000).length).toBeLessThanOrEqual(11);
  });

  it('gives a late subscriber the current state and the problems found so far, then completes', async () => {
    const batch = await uploadAndValidate(t.url, auth, problemFile(1500));
    const client = wsClient(t.wsUrl, auth);
    const updates = subscribeAll<{ uploadBatchUpdated: Batch }>(client, `subscription($id: ID!) { uploadBatchUpdated(id: $id) { ${BATCH_FIELDS} } }`, {
      id: batch.id,
    });
    const problems = subscribeAll<{ uploadBatchProblemRows: Row[] }>(client, `subscription($id: ID!) { uploadBatchProblemRows(id: $id) { ${ROW_FIELDS} } }`, {
      id: batch.id,
    });
    await expect.poll(() => updates.events.length).toBe(1);
    expect(updates.events[0].uploadBatchUpdated).toMatchObject({ id: batch.id, status: 'VALIDATED' });
    const lists = (await problems.done).map((e) => e.uploadBatchProblemRows);
    expect(lists.flat()).toHaveLength(500);
    expect(lists.every((l) => l.length <= 100)).toBe(true);
    // A terminal status ends the other stream too.
    await t.app.services.db.execute(`update upload_batch set status = 'CANCELED' where id = $1`, [batch.id]);
    const { publishBatch } = await import('../../server/src/modules/batches/batch.service.js');
    await publishBatch(t.app.services, batch.id);
    const events = await updates.done;
    expect(events.at(-1)!.uploadBatchUpdated.status).toBe('CANCELED');
    await client.dispose();
  });

  it('never delivers another platform’s batch', async () => {
    const batch = await uploadAndValidate(t.url, auth, problemFile(10));
    const client = wsClient(t.wsUrl, other);
    const updates = subscribeAll(client, 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { id status } }', { id: batch.id });
    await expect(updates.done).rejects.toThrow(/not found/);
    expect(updates.events).toEqual([]);
    const problems = subscribeAll(client, 'subscription($id: ID!) { uploadBatchProblemRows(id: $id) { rowNumber } }', { id: batch.id });
    await expect(problems.done).rejects.toThrow(/not found/);
    expect(problems.events).toEqual([]);
    await client.dispose();
  });
});
