import { type Cache, cacheExchange, type KeyingConfig, type UpdatesConfig } from '@urql/exchange-graphcache';
import type { IntrospectionQuery } from 'graphql';
import { PlatformSettingsQuery, type UpdatePlatformSettingsMutation } from '../graphql/approval-documents';
import type { ResultOf } from '../graphql/graphql';
import introspection from '../graphql/schema-introspection.json';

/**
 * The dashboard's normalized cache (Graphcache): every object with an `id` is one record, keyed
 * `Type:id`, whichever query, mutation or subscription brought it. A batch confirmed by a
 * mutation, moved on by the live subscription or read again by a query is the same record, so
 * every component showing it re-renders with the newest write: no component merges snapshots.
 */

const schema = introspection as unknown as IntrospectionQuery;
const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * Objects without an `id` (connections, edges, page info, summaries, payloads, a batch's rows and
 * history) are embedded in their parent: derived from the schema, so a new type needs no entry.
 */
export const KEYS: KeyingConfig = Object.fromEntries(
  schema.__schema.types
    .filter((type) => type.kind === 'OBJECT' && !ROOTS.has(type.name) && !type.fields.some((field) => field.name === 'id'))
    .map((type) => [type.name, () => null]),
);

/** Every cached answer of a list field (one per argument set): the next read fetches it again. */
function invalidateList(cache: Cache, fieldName: string): void {
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName === fieldName) cache.invalidate('Query', field.fieldName, field.arguments ?? undefined);
  }
}

function idArgument(args: Record<string, unknown>): string | null {
  return typeof args.id === 'string' ? args.id : null;
}

/** A batch was created or changed status: every list of batches (some filtered by status) is read again. */
const batchMoved = (_result: unknown, _args: unknown, cache: Cache) => invalidateList(cache, 'uploadBatches');

/**
 * What a mutation does to lists the cache cannot work out itself: an item created (the list
 * is read again: its order and total are the server's) or removed (the record goes, and with it
 * its place in every list). Changes to one record need nothing: the answer carries its id.
 */
export const UPDATES: UpdatesConfig = {
  Mutation: {
    createApiKey: (_result, _args, cache) => invalidateList(cache, 'apiKeys'),
    addMember: (_result, _args, cache) => invalidateList(cache, 'members'),
    removeMember: (_result, args, cache) => {
      const id = idArgument(args);
      if (id) cache.invalidate({ __typename: 'Member', id });
    },
    createWebhookEndpoint: (_result, _args, cache) => invalidateList(cache, 'webhookEndpoints'),
    deleteWebhookEndpoint: (_result, args, cache) => {
      const id = idArgument(args);
      if (id) cache.invalidate({ __typename: 'WebhookEndpoint', id });
    },
    // A new batch joins the lists; a status change moves a batch in or out of filtered ones
    // (awaiting approval, the history's status filter).
    createUploadBatch: batchMoved,
    confirmUploadBatch: batchMoved,
    cancelUploadBatch: batchMoved,
    approveUploadBatch: batchMoved,
    declineUploadBatch: batchMoved,
    rollbackUploadBatch: batchMoved,
    // PlatformSettings has no id: put the new settings where the settings query reads them.
    updatePlatformSettings: (result, _args, cache) => {
      const settings = (result as ResultOf<typeof UpdatePlatformSettingsMutation>).updatePlatformSettings;
      cache.updateQuery({ query: PlatformSettingsQuery }, (data) =>
        data ? { ...data, viewer: { ...data.viewer, platform: { ...data.viewer.platform, settings } } } : data,
      );
    },
  },
};

export function createCacheExchange() {
  return cacheExchange({ schema, keys: KEYS, updates: UPDATES });
}
