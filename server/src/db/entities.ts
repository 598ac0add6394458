import { ConnectedAccount } from '../modules/accounts/connected-account.entity.js';
import { ApiKey } from '../modules/auth/api-key.entity.js';
import { DashboardUser } from '../modules/auth/dashboard-user.entity.js';
import { Session } from '../modules/auth/session.entity.js';
import { Platform } from '../modules/platforms/platform.entity.js';

/** Every ORM entity, listed explicitly (no folder discovery, no reflection). */
export const entities = [Platform, DashboardUser, ApiKey, Session, ConnectedAccount];
