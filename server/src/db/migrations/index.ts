import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001Foundation } from './Migration0001Foundation.js';
import { Migration0002UploadBatches } from './Migration0002UploadBatches.js';
import { Migration0003Webhooks } from './Migration0003Webhooks.js';
import { Migration0004UploadChunks } from './Migration0004UploadChunks.js';
import { Migration0005BatchRowIndexes } from './Migration0005BatchRowIndexes.js';
import { Migration0006BatchRowHistogram } from './Migration0006BatchRowHistogram.js';
import { Migration0007BatchTransitions } from './Migration0007BatchTransitions.js';
import { Migration0008ApprovalRollback } from './Migration0008ApprovalRollback.js';
import { Migration0009PeopleKeysAudit } from './Migration0009PeopleKeysAudit.js';
import { Migration0010EmailQuality } from './Migration0010EmailQuality.js';
import { Migration0011WebhookRetention } from './Migration0011WebhookRetention.js';
import { Migration0013BatchRowFillfactor } from './Migration0013BatchRowFillfactor.js';
import { Migration0015WebhookCounts } from './Migration0015WebhookCounts.js';
import { Migration0016BatchRowSearch } from './Migration0016BatchRowSearch.js';

/**
 * Every migration, in order. Listed explicitly rather than discovered on disk so
 * tsx, vitest and compiled builds all find the same set.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration0001Foundation', class: Migration0001Foundation },
  { name: 'Migration0002UploadBatches', class: Migration0002UploadBatches },
  { name: 'Migration0003Webhooks', class: Migration0003Webhooks },
  { name: 'Migration0004UploadChunks', class: Migration0004UploadChunks },
  { name: 'Migration0005BatchRowIndexes', class: Migration0005BatchRowIndexes },
  { name: 'Migration0006BatchRowHistogram', class: Migration0006BatchRowHistogram },
  { name: 'Migration0007BatchTransitions', class: Migration0007BatchTransitions },
  { name: 'Migration0008ApprovalRollback', class: Migration0008ApprovalRollback },
  { name: 'Migration0009PeopleKeysAudit', class: Migration0009PeopleKeysAudit },
  { name: 'Migration0010EmailQuality', class: Migration0010EmailQuality },
  { name: 'Migration0011WebhookRetention', class: Migration0011WebhookRetention },
  { name: 'Migration0013BatchRowFillfactor', class: Migration0013BatchRowFillfactor },
  { name: 'Migration0015WebhookCounts', class: Migration0015WebhookCounts },
  { name: 'Migration0016BatchRowSearch', class: Migration0016BatchRowSearch },
];
