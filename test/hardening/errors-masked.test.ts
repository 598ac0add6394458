import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, uploadAndValidate } from '../support/flow.js';
import { gql, wsClient } from '../support/graphql.js';

/**
 * An internal failure says nothing of its cause, on HTTP and on graphql-ws alike: the
 * history resolver reads a table this test has renamed, so the database's own error
 * (which names tables) must reach the log, never the client.
 */
describe('internal errors are masked on both transports', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let batchId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const p = await t.platform('Masked', 5);
    auth = { apiKey: p.apiKey };
    const [{ id }] = await t.app.services.db.query<{ id: string }>('select id from connected_account where platform_id = $1 limit 1', [p.platformId]);
    batchId = (await uploadAndValidate(t.url, auth, `${HEADER}\n${id},,,,masked@example.com,✗\n`)).id;
    await t.app.services.db.execute('alter table batch_transition rename to batch_transition_hidden');
  });
  afterAll(async () => {
    await t.app.services.db.execute('alter table batch_transition_hidden rename to batch_transition');
    await t.stop();
  });

  const QUERY = 'query($id: ID!) { uploadBatch(id: $id) { id history { status } } }';
  const SUBSCRIPTION = 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { id history { status } } }';

  it('HTTP: INTERNAL_SERVER_ERROR and a message that names nothing inside', async () => {
    const r = await gql(t.url, auth, QUERY, { id: batchId });
    expect(r.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(r.errors)).not.toMatch(/batch_transition|relation|table/i);
  });

  it('graphql-ws: the same answer, not the database error', async () => {
    const client = wsClient(t.wsUrl, auth);
    try {
      const first = await new Promise<{ errors?: readonly unknown[] }>((resolve, reject) => {
        client.subscribe({ query: SUBSCRIPTION, variables: { id: batchId } }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(first.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(first.errors)).not.toMatch(/batch_transition|relation|table/i);
    } finally {
      await client.dispose();
    }
  });

  it('an API error keeps its code and message on graphql-ws', async () => {
    const client = wsClient(t.wsUrl, auth);
    try {
      const outcome = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { uploadBatchUpdated(id: "ub_nope") { id } }' },
          { next: resolve, error: resolve, complete: () => resolve('complete') },
        );
      });
      expect(JSON.stringify(outcome)).toContain('NOT_FOUND');
      expect(JSON.stringify(outcome)).toContain('Upload batch not found.');
    } finally {
      await client.dispose();
    }
  });
});
