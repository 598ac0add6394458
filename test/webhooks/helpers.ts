import type { Auth } from '../support/graphql.js';
import { gqlData } from '../support/graphql.js';

export const ENDPOINT_FIELDS =
  'id url description enabled enabledEvents disabledReason failingSince previousSecretExpiresAt createdAt updatedAt';
export const DELIVERY_FIELDS =
  'endpointId eventId eventType status attempts lastStatusCode lastError lastLatencyMs lastAttemptAt nextAttemptAt deliveredAt createdAt';

export interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  enabledEvents: string[];
  disabledReason: string | null;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
}

export interface Delivery {
  endpointId: string;
  eventId: string;
  eventType: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export async function createEndpoint(
  url: string,
  auth: Auth,
  input: { url: string; description?: string; enabledEvents?: string[] },
): Promise<{ endpoint: Endpoint; secret: string }> {
  const data = await gqlData<{ createWebhookEndpoint: { endpoint: Endpoint; secret: string } }>(
    url,
    auth,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT_FIELDS} } } }`,
    { input },
  );
  return data.createWebhookEndpoint;
}

export async function getEndpoint(url: string, auth: Auth, id: string): Promise<Endpoint | null> {
  const data = await gqlData<{ webhookEndpoint: Endpoint | null }>(url, auth, `query($id: ID!) { webhookEndpoint(id: $id) { ${ENDPOINT_FIELDS} } }`, {
    id,
  });
  return data.webhookEndpoint;
}

/** Every delivery of an endpoint (newest first), following the pages. */
export async function deliveries(url: string, auth: Auth, endpointId: string, status?: string): Promise<Delivery[]> {
  const out: Delivery[] = [];
  let after: string | null = null;
  for (;;) {
    const data: {
      webhookEndpoint: { deliveries: { edges: Array<{ node: Delivery }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    } = await gqlData(
      url,
      auth,
      `query($id: ID!, $after: String, $status: WebhookDeliveryStatus) { webhookEndpoint(id: $id) {
        deliveries(first: 500, after: $after, status: $status) { edges { node { ${DELIVERY_FIELDS} } } pageInfo { hasNextPage endCursor } } } }`,
      { id: endpointId, after, status },
    );
    out.push(...data.webhookEndpoint.deliveries.edges.map((e) => e.node));
    if (!data.webhookEndpoint.deliveries.pageInfo.hasNextPage) return out;
    after = data.webhookEndpoint.deliveries.pageInfo.endCursor;
  }
}

/** Eligible account ids of the platform, in id order. */
export async function eligibleAccounts(url: string, auth: Auth, count: number): Promise<Array<{ id: string; email: string | null }>> {
  const data = await gqlData<{ connectedAccounts: { edges: Array<{ node: { id: string; email: string | null } }> } }>(
    url,
    auth,
    'query($first: Int) { connectedAccounts(first: $first, filter: { eligible: true }) { edges { node { id email } } } }',
    { first: count },
  );
  return data.connectedAccounts.edges.map((e) => e.node);
}

let counter = 0;

/** Changes one account's email (one account.updated event); returns the event id. */
export async function emitEvent(url: string, auth: Auth, accountId: string): Promise<string> {
  counter++;
  await gqlData(url, auth, 'mutation($id: ID!, $email: String) { updateConnectedAccount(id: $id, input: { email: $email }) { id } }', {
    id: accountId,
    email: `hook.${Date.now()}.${counter}@example.com`,
  });
  const data = await gqlData<{ events: { edges: Array<{ node: { id: string; accountId: string } }> } }>(
    url,
    auth,
    '{ events(first: 1) { edges { node { id accountId } } } }',
  );
  const latest = data.events.edges[0].node;
  if (latest.accountId !== accountId) throw new Error('unexpected latest event');
  return latest.id;
}
