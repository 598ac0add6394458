import type { ReactNode } from 'react';
import type { MessageKey } from '../../i18n/en';
import { ApiKeysPage } from './ApiKeysPage';
import { ApprovalSettingsPage } from './ApprovalSettingsPage';
import { AuditLogPage } from './AuditLogPage';
import { MembersPage } from './MembersPage';

export interface SettingsPageEntry {
  /** The page lives at /settings/<path>. */
  path: string;
  /** Its name in the sub-navigation and its heading. */
  titleKey: MessageKey;
  /** One line under the heading. */
  descriptionKey: MessageKey;
  /** Viewers see the entry but get an explanation instead of the page. */
  adminOnly: boolean;
  render(): ReactNode;
}

/**
 * The Settings area, one page per concern, in sub-navigation order. A new concern (an approval
 * policy, say) is one more entry here, with its strings in en.ts and fr.ts.
 */
export const SETTINGS_PAGES: readonly SettingsPageEntry[] = [
  {
    path: 'members',
    titleKey: 'settings.members.title',
    descriptionKey: 'settings.members.description',
    adminOnly: false,
    render: () => <MembersPage />,
  },
  {
    path: 'api-keys',
    titleKey: 'settings.apiKeys.title',
    descriptionKey: 'settings.apiKeys.description',
    adminOnly: true,
    render: () => <ApiKeysPage />,
  },
  {
    path: 'approval',
    titleKey: 'approvalSettings.title',
    descriptionKey: 'approvalSettings.description',
    // Viewers read the policy (the page shows it without the form).
    adminOnly: false,
    render: () => <ApprovalSettingsPage />,
  },
  {
    path: 'audit-log',
    titleKey: 'settings.audit.title',
    descriptionKey: 'settings.audit.description',
    adminOnly: true,
    render: () => <AuditLogPage />,
  },
];
