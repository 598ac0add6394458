import { Client, type CombinedError, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { createCacheExchange } from './graphql-cache';

export interface GraphqlConnection {
  client: Client;
  /** Closes the WebSocket; call when the session ends. */
  dispose(): void;
}

function isCloseEvent(value: unknown): value is { code: number } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';
}

/** graphql-ws closes with 4403 when the session cookie is missing or no longer valid. */
const FORBIDDEN_CLOSE = 4403;

/**
 * One urql client per signed-in session: HTTP for queries and mutations (session cookie,
 * POST only: the server's CSRF prevention refuses simple GETs), graphql-ws on the same origin
 * for subscriptions, both read through the normalized cache (graphql-cache.ts). Any
 * UNAUTHENTICATED answer calls onUnauthenticated.
 */
export function createGraphqlConnection(onUnauthenticated: () => void): GraphqlConnection {
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = createWsClient({
    url: `${protocol}//${window.location.host}/graphql`,
    lazy: true,
    retryAttempts: 8,
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === FORBIDDEN_CLOSE),
    on: {
      closed: (event) => {
        if (isCloseEvent(event) && event.code === FORBIDDEN_CLOSE) onUnauthenticated();
      },
    },
  });

  const client = new Client({
    url: '/graphql',
    preferGetMethod: false,
    fetchOptions: { credentials: 'include' },
    exchanges: [
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error)) onUnauthenticated();
        },
      }),
      createCacheExchange(),
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
      fetchExchange,
    ],
  });

  return { client, dispose: () => void ws.dispose() };
}

export function errorCode(error: CombinedError | undefined): string | undefined {
  if (!error) return undefined;
  for (const e of error.graphQLErrors) {
    const code = e.extensions?.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function isUnauthenticated(error: CombinedError | undefined): boolean {
  if (!error) return false;
  const status = (error.response as { status?: number } | undefined)?.status;
  return status === 401 || errorCode(error) === 'UNAUTHENTICATED';
}

/**
 * True when the server does not know a field the dashboard asks for (the batch and webhook API
 * is being rolled out): the page then says the feature is not available yet.
 */
export function isFeatureMissing(error: CombinedError | undefined): boolean {
  if (!error) return false;
  if (errorCode(error) === 'GRAPHQL_VALIDATION_FAILED') return true;
  return error.graphQLErrors.some((e) => /Cannot query field|Unknown type|Unknown argument/.test(e.message));
}
