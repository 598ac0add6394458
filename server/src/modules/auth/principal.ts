import type { Role } from './dashboard-user.entity.js';

/** Who is calling: always one platform, with a role. API keys act as ADMIN. */
export interface Principal {
  platformId: string;
  role: Role;
  kind: 'apiKey' | 'user';
  /** The dashboard user or the API key's id. */
  subjectId: string;
  email?: string;
  /** Who did it, as history and logs name them: the user's email or the API key's prefix (never a secret). */
  actor: string;
  /** The API key's prefix (what the audit log and history show for a key); never the key. */
  keyPrefix?: string;
}
