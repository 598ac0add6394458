import { graphql, type ResultOf } from './graphql';

/** Documents of the Settings pages (API keys, members, audit log). */

export const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys { id name prefix createdAt createdBy lastUsedAt revokedAt }
  }
`);
export type ApiKey = ResultOf<typeof ApiKeysQuery>['apiKeys'][number];

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { secret apiKey { id name prefix } }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { id revokedAt }
  }
`);

export const MembersQuery = graphql(`
  query Members {
    members { id email role createdAt lastSignInAt passwordSet }
  }
`);
export type Member = ResultOf<typeof MembersQuery>['members'][number];

export const AddMemberMutation = graphql(`
  mutation AddMember($input: AddMemberInput!) {
    addMember(input: $input) { setPasswordUrl member { id email role } }
  }
`);

export const NewSetPasswordLinkMutation = graphql(`
  mutation NewSetPasswordLink($id: ID!) {
    createSetPasswordLink(id: $id)
  }
`);

export const UpdateMemberRoleMutation = graphql(`
  mutation UpdateMemberRole($id: ID!, $role: Role!) {
    updateMemberRole(id: $id, role: $role) { id role }
  }
`);

export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($id: ID!) {
    removeMember(id: $id)
  }
`);

export const AuditLogQuery = graphql(`
  query AuditLog($first: Int!, $after: String, $action: String, $actor: String) {
    auditLog(first: $first, after: $after, action: $action, actor: $actor) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id at actor action target details } }
    }
  }
`);
export type AuditEntry = ResultOf<typeof AuditLogQuery>['auditLog']['edges'][number]['node'];

export const AuditFiltersQuery = graphql(`
  query AuditFilters {
    auditActions
    auditActors
  }
`);
