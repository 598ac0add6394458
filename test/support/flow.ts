import type { Auth } from './graphql.js';
import { gqlData } from './graphql.js';
import { until } from './poll.js';

export const BATCH_FIELDS = `id status filename createdAt
  fileError { code message line missingHeaders foundHeaders }
  failureMessage
  summary { totalRows processedRows additions replacements unchanged skipped invalid warnings applied conflicts failed }`;

export interface Summary {
  totalRows: number;
  processedRows: number;
  additions: number;
  replacements: number;
  unchanged: number;
  skipped: number;
  invalid: number;
  warnings: number;
  applied: number;
  conflicts: number;
  failed: number;
}

export interface Batch {
  id: string;
  status: string;
  filename: string | null;
  fileError: { code: string; message: string; line: number | null; missingHeaders: string[] | null; foundHeaders: string[] | null } | null;
  failureMessage: string | null;
  summary: Summary;
}

export interface Row {
  rowNumber: number;
  accountId: string | null;
  newEmail: string | null;
  currentEmail: string | null;
  change: string;
  issues: Array<{ code: string; severity: string; message: string }>;
  applyStatus: string;
}

export const ROW_FIELDS = 'rowNumber accountId newEmail currentEmail change issues { code severity message } applyStatus';

export function authHeaders(auth: Auth): Record<string, string> {
  if (!auth) return {};
  return 'apiKey' in auth ? { authorization: `Bearer ${auth.apiKey}` } : { cookie: auth.cookie };
}

export async function createBatch(url: string, auth: Auth, input: Record<string, unknown> = {}) {
  const data = await gqlData<{ createUploadBatch: { batch: Batch; uploadUrl: string } }>(
    url,
    auth,
    `mutation($input: CreateUploadBatchInput!) { createUploadBatch(input: $input) { uploadUrl batch { ${BATCH_FIELDS} } } }`,
    { input },
  );
  return data.createUploadBatch;
}

export async function putFile(uploadUrl: string, auth: Auth, body: Buffer | string): Promise<Response> {
  return fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'text/csv', ...authHeaders(auth) }, body });
}

export async function getBatch(url: string, auth: Auth, id: string): Promise<Batch | null> {
  const data = await gqlData<{ uploadBatch: Batch | null }>(url, auth, `query($id: ID!) { uploadBatch(id: $id) { ${BATCH_FIELDS} } }`, {
    id,
  });
  return data.uploadBatch;
}

/** Polls until the batch reaches one of `statuses` (subscriptions have their own tests). */
export async function waitForStatus(url: string, auth: Auth, id: string, statuses: string[], timeoutMs = 60_000): Promise<Batch> {
  const seen: { batch: Batch | null } = { batch: null };
  await until(
    async () => {
      seen.batch = await getBatch(url, auth, id);
      return seen.batch !== null && statuses.includes(seen.batch.status);
    },
    timeoutMs,
    `batch ${id} in ${statuses.join('|')}`,
    50,
  );
  return seen.batch as Batch;
}

/** Uploads a file into a new batch and waits for validation to end. */
export async function uploadAndValidate(url: string, auth: Auth, csv: Buffer | string, filename = 'upload.csv'): Promise<Batch> {
  const { batch, uploadUrl } = await createBatch(url, auth, { filename });
  const res = await putFile(uploadUrl, auth, csv);
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return waitForStatus(url, auth, batch.id, ['VALIDATED', 'REJECTED', 'FAILED']);
}

export async function allRows(url: string, auth: Auth, id: string, filter?: Record<string, unknown>): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null = null;
  for (;;) {
    const data: { uploadBatch: { rows: { edges: Array<{ node: Row }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } } =
      await gqlData(
        url,
        auth,
        `query($id: ID!, $after: String, $filter: BatchRowFilter) { uploadBatch(id: $id) { rows(first: 1000, after: $after, filter: $filter) {
          edges { node { ${ROW_FIELDS} } } pageInfo { hasNextPage endCursor } } } }`,
        { id, after, filter },
      );
    rows.push(...data.uploadBatch.rows.edges.map((e) => e.node));
    if (!data.uploadBatch.rows.pageInfo.hasNextPage) return rows;
    after = data.uploadBatch.rows.pageInfo.endCursor;
  }
}

/** Downloads the template with the signed link of `emailTemplate`. */
export async function downloadTemplate(url: string, auth: Auth): Promise<{ text: string; rowCount: number; res: Response }> {
  const data = await gqlData<{ emailTemplate: { url: string; rowCount: number } }>(url, auth, '{ emailTemplate { url rowCount expiresAt } }');
  const res = await fetch(data.emailTemplate.url);
  const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
  return { text, rowCount: data.emailTemplate.rowCount, res };
}

export const HEADER =
  'Account ID,Business Name,First Name,Last Name,Email Address (please add or replace),User has claimed primary user email address';
