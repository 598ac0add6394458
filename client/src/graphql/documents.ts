import { graphql, type ResultOf, type VariablesOf } from './graphql';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      platform { id name }
      role
      email
      kind
    }
  }
`);
export type Viewer = ResultOf<typeof ViewerQuery>['viewer'];

export const AccountCountsQuery = graphql(`
  query AccountCounts {
    eligible: connectedAccounts(first: 1, filter: { eligible: true }) { totalCount }
    eligibleMissingEmail: connectedAccounts(first: 1, filter: { eligible: true, missingEmail: true }) { totalCount }
  }
`);

export const AccountsQuery = graphql(`
  query Accounts($first: Int!, $after: String, $filter: ConnectedAccountFilter) {
    connectedAccounts(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node { id businessName firstName lastName email userClaimedEmail eligible status }
      }
    }
  }
`);
export type Account = ResultOf<typeof AccountsQuery>['connectedAccounts']['edges'][number]['node'];

export const SummaryFields = graphql(`
  fragment SummaryFields on UploadBatchSummary {
    totalRows processedRows additions replacements unchanged skipped invalid warnings applied conflicts failed rolledBack rollbackConflicts
  }
`);
export type Summary = ResultOf<typeof SummaryFields>;

export const BatchFields = graphql(
  `
  fragment BatchFields on UploadBatch {
    id
    status
    filename
    createdAt
    createdBy
    expiresAt
    failureMessage
    errorReportUrl
    fixFileUrl
    fileError { code message line missingHeaders foundHeaders }
    summary { ...SummaryFields }
  }
`,
  [SummaryFields],
);
export type Batch = ResultOf<typeof BatchFields>;
export type BatchStatus = Batch['status'];
export type FileError = NonNullable<Batch['fileError']>;

export const BatchRowFields = graphql(`
  fragment BatchRowFields on BatchRow {
    rowNumber accountId businessName newEmail currentEmail fileEmail change applyStatus
    issues { code severity message suggestion params { name value } }
  }
`);
export type BatchRow = ResultOf<typeof BatchRowFields>;
export type RowChange = BatchRow['change'];
export type RowIssueCode = BatchRow['issues'][number]['code'];
export type RowApplyStatus = BatchRow['applyStatus'];

export const RecentBatchesQuery = graphql(
  `
  query RecentBatches {
    uploadBatches(first: 5) {
      totalCount
      edges { node { ...BatchFields } }
    }
  }
`,
  [BatchFields],
);

export const BatchesQuery = graphql(
  `
  query Batches($first: Int!, $after: String, $filter: UploadBatchFilter) {
    uploadBatches(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...BatchFields } }
    }
  }
`,
  [BatchFields],
);

export const BatchQuery = graphql(
  `
  query Batch($id: ID!) {
    uploadBatch(id: $id) { ...BatchFields }
  }
`,
  [BatchFields],
);

/** The batch's status changes, oldest first (read again when its status moves). */
export const BatchHistoryQuery = graphql(`
  query BatchHistory($id: ID!) {
    uploadBatch(id: $id) {
      id
      history { status at by note }
    }
  }
`);
export type BatchTransition = NonNullable<ResultOf<typeof BatchHistoryQuery>['uploadBatch']>['history'][number];

export const BatchRowsQuery = graphql(
  `
  query BatchRows($id: ID!, $first: Int!, $after: String, $filter: BatchRowFilter) {
    uploadBatch(id: $id) {
      id
      rows(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { ...BatchRowFields } }
      }
    }
  }
`,
  [BatchRowFields],
);
export type BatchRowFilter = NonNullable<VariablesOf<typeof BatchRowsQuery>['filter']>;

export const BatchUpdatedSubscription = graphql(
  `
  subscription BatchUpdated($id: ID!) {
    uploadBatchUpdated(id: $id) { ...BatchFields }
  }
`,
  [BatchFields],
);

export const ProblemRowsSubscription = graphql(
  `
  subscription ProblemRows($id: ID!) {
    uploadBatchProblemRows(id: $id) { ...BatchRowFields }
  }
`,
  [BatchRowFields],
);

export const EmailTemplateQuery = graphql(`
  query EmailTemplate {
    emailTemplate { url rowCount expiresAt }
    missingEmail: emailTemplate(filter: { missingEmail: true }) { url rowCount expiresAt }
    unclaimed: emailTemplate(filter: { unclaimed: true }) { url rowCount expiresAt }
  }
`);

export const EditBatchRowMutation = graphql(
  `
  mutation EditBatchRow($batchId: ID!, $rowNumber: Int!, $email: String) {
    editBatchRow(batchId: $batchId, rowNumber: $rowNumber, input: { email: $email }) { ...BatchRowFields }
  }
`,
  [BatchRowFields],
);

export const CreateUploadBatchMutation = graphql(
  `
  mutation CreateUploadBatch($input: CreateUploadBatchInput!) {
    createUploadBatch(input: $input) {
      uploadUrl
      batch { ...BatchFields }
    }
  }
`,
  [BatchFields],
);

export const ConfirmUploadBatchMutation = graphql(
  `
  mutation ConfirmUploadBatch($id: ID!) {
    confirmUploadBatch(id: $id) { ...BatchFields }
  }
`,
  [BatchFields],
);

export const CancelUploadBatchMutation = graphql(
  `
  mutation CancelUploadBatch($id: ID!) {
    cancelUploadBatch(id: $id) { ...BatchFields }
  }
`,
  [BatchFields],
);

export const WebhookEndpointsQuery = graphql(`
  query WebhookEndpoints($deliveries: Int!) {
    webhookEndpoints {
      id url description createdAt enabled disabledReason failingSince
      deliverySummary { delivered pending failed }
      deliveries(first: $deliveries) {
        edges {
          node { eventId eventType status attempts createdAt deliveredAt lastAttemptAt nextAttemptAt lastStatusCode lastError }
        }
      }
    }
  }
`);
export type WebhookEndpoint = ResultOf<typeof WebhookEndpointsQuery>['webhookEndpoints'][number];
export type WebhookDelivery = WebhookEndpoint['deliveries']['edges'][number]['node'];
export type WebhookDeliveryStatus = WebhookDelivery['status'];

export const WebhookCountQuery = graphql(`
  query WebhookCount {
    webhookEndpoints { id enabled }
  }
`);

export const CreateWebhookEndpointMutation = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      secret
      endpoint { id url description createdAt }
    }
  }
`);

export type CreatedWebhookEndpoint = ResultOf<typeof CreateWebhookEndpointMutation>['createWebhookEndpoint'];

export const DeleteWebhookEndpointMutation = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`);
