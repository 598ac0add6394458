import type { SqlDatabase, SqlTx } from '../../db/sql.js';
import type { ApprovalPolicy } from './platform-settings.types.js';

/** The owner of `platform_settings`: a platform without a row has the defaults. */

type Executor = SqlDatabase | SqlTx;

export interface PlatformSettingsRecord {
  approvalPolicy: ApprovalPolicy;
  approvalThreshold: number | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export const DEFAULT_SETTINGS: PlatformSettingsRecord = { approvalPolicy: 'NONE', approvalThreshold: null, updatedAt: null, updatedBy: null };

export async function readSettings(db: Executor, platformId: string): Promise<PlatformSettingsRecord> {
  const [r] = await db.query<{ approval_policy: ApprovalPolicy; approval_threshold: number | null; updated_at: Date | number; updated_by: string | null }>(
    'select approval_policy, approval_threshold, updated_at, updated_by from platform_settings where platform_id = $1',
    [platformId],
  );
  if (!r) return DEFAULT_SETTINGS;
  return {
    approvalPolicy: r.approval_policy,
    approvalThreshold: r.approval_threshold === null ? null : Number(r.approval_threshold),
    updatedAt: new Date(r.updated_at),
    updatedBy: r.updated_by,
  };
}

/** Writes the whole settings row (insert or update: one statement on both dialects). */
export async function writeSettings(
  db: Executor,
  platformId: string,
  s: { approvalPolicy: ApprovalPolicy; approvalThreshold: number | null },
  by: string,
  now: Date,
): Promise<void> {
  await db.execute(
    `insert into platform_settings (platform_id, approval_policy, approval_threshold, updated_at, updated_by) values ($1, $2, $3, $4, $5)
     on conflict (platform_id) do update set approval_policy = excluded.approval_policy, approval_threshold = excluded.approval_threshold,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [platformId, s.approvalPolicy, s.approvalThreshold, now, by],
  );
}
