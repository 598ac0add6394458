import type { Client } from 'graphql-ws';
import { type Auth, gqlData, wsClient } from '../support/graphql.js';

/** Opens a subscription that stays open (a batch awaiting its upload) and resolves with the socket's close code. */
export async function openSubscription(baseUrl: string, wsUrl: string, auth: Auth): Promise<{ client: Client; closed: Promise<number> }> {
  const { createUploadBatch } = await gqlData<{ createUploadBatch: { batch: { id: string } } }>(
    baseUrl,
    auth,
    'mutation { createUploadBatch(input: { filename: "hold.csv" }) { batch { id } } }',
  );
  let onClose: (code: number) => void = () => undefined;
  const closed = new Promise<number>((done) => {
    onClose = done;
  });
  const client = wsClient(wsUrl, auth, { onClose: (code) => onClose(code) });
  const first = new Promise<void>((done, fail) => {
    client.subscribe(
      { query: 'subscription($id: ID!) { uploadBatchUpdated(id: $id) { status } }', variables: { id: createUploadBatch.batch.id } },
      { next: () => done(), error: (err) => fail(err), complete: () => undefined },
    );
  });
  await first;
  return { client, closed };
}

/** Resolves with the value, or with 'timeout' after `ms`. */
export function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), ms))]);
}

export async function setPassword(baseUrl: string, token: string, password: string) {
  const res = await fetch(`${baseUrl}/auth/set-password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password }),
  });
  return { status: res.status, body: (await res.json()) as { ok?: boolean; error?: { code: string; reason?: string; message: string } } };
}

export function tokenOf(setPasswordUrl: string): string {
  return new URL(setPasswordUrl).hash.replace(/^#token=/, '');
}
