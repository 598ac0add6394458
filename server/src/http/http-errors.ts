/** The shape body-parser (express.json) gives the errors it raises for a request it refuses. */
interface BodyParserError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  limit?: unknown;
  expose?: unknown;
}

export interface RefusedRequest {
  status: number;
  body: { error: { code: string; message: string } } | { errors: Array<{ message: string; extensions: { code: string } }> };
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

/**
 * Turns a client error raised before any route ran (a body over the size cap, JSON that does not
 * parse, an unsupported charset) into a coded 4xx answer. Returns null for anything else, which stays
 * an internal error. `graphql` answers in the GraphQL response shape so GraphQL clients can read it.
 */
export function httpErrorResponse(err: unknown, graphql: boolean): RefusedRequest | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as BodyParserError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status < 400 || status >= 500 || e.expose === false) return null;
  let code = 'BAD_REQUEST';
  let message = 'The request could not be read.';
  if (status === 413 || e.type === 'entity.too.large') {
    code = 'PAYLOAD_TOO_LARGE';
    const cap = typeof e.limit === 'number' ? ` of ${sizeText(e.limit)}` : '';
    message = `The request body is larger than the limit${cap}. Send fewer or smaller variables; files go to the upload URL (PUT).`;
  } else if (e.type === 'entity.parse.failed') {
    message = 'The request body is not valid JSON.';
  } else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    message = 'The request body must be UTF-8 JSON.';
  }
  const body: RefusedRequest['body'] = graphql ? { errors: [{ message, extensions: { code } }] } : { error: { code, message } };
  return { status, body };
}
