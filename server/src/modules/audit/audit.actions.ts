/**
 * Every action the audit log records, declared once. Features that do not exist yet
 * (approval, rollback, settings) already have their names here so their authors only call
 * {@link recordAudit}; the dashboard's filter lists exactly these.
 */
export const AUDIT_ACTIONS = [
  'api_key.created',
  'api_key.revoked',
  'member.added',
  'member.role_changed',
  'member.removed',
  'member.password_set',
  'settings.updated',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_rotated',
  'batch.approved',
  'batch.declined',
  'batch.rolled_back',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
