import { BatchFields } from './documents';
import { graphql, type ResultOf } from './graphql';

/** Approval, rollback and the platform's settings (issue 14). */

export const PlatformSettingsQuery = graphql(`
  query PlatformSettings {
    viewer { platform { id settings { approvalPolicy approvalThreshold updatedAt updatedBy } } }
  }
`);
export type PlatformSettings = ResultOf<typeof PlatformSettingsQuery>['viewer']['platform']['settings'];
export type ApprovalPolicy = PlatformSettings['approvalPolicy'];

export const UpdatePlatformSettingsMutation = graphql(`
  mutation UpdatePlatformSettings($input: UpdatePlatformSettingsInput!) {
    updatePlatformSettings(input: $input) { approvalPolicy approvalThreshold updatedAt updatedBy }
  }
`);

export const BatchHistoryQuery = graphql(`
  query BatchHistory($id: ID!) {
    uploadBatch(id: $id) { id history { status at by note } }
  }
`);
export type BatchTransition = NonNullable<ResultOf<typeof BatchHistoryQuery>['uploadBatch']>['history'][number];

export const ApproveUploadBatchMutation = graphql(
  `
  mutation ApproveUploadBatch($id: ID!) {
    approveUploadBatch(id: $id) { ...BatchFields }
  }
`,
  [BatchFields],
);

export const DeclineUploadBatchMutation = graphql(
  `
  mutation DeclineUploadBatch($id: ID!, $reason: String!) {
    declineUploadBatch(id: $id, reason: $reason) { ...BatchFields }
  }
`,
  [BatchFields],
);

export const RollbackPreviewQuery = graphql(`
  query RollbackPreview($id: ID!) {
    uploadBatch(id: $id) { id rollbackPreview { restorable conflicts availableUntil } }
  }
`);

export const RollbackUploadBatchMutation = graphql(
  `
  mutation RollbackUploadBatch($id: ID!) {
    rollbackUploadBatch(id: $id) { ...BatchFields }
  }
`,
  [BatchFields],
);

export const AwaitingApprovalQuery = graphql(
  `
  query AwaitingApproval($first: Int!, $after: String) {
    uploadBatches(first: $first, after: $after, filter: { statuses: [AWAITING_APPROVAL] }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...BatchFields } }
    }
  }
`,
  [BatchFields],
);
