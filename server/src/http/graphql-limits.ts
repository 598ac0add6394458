import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { DocumentNode, GraphQLError, GraphQLSchema, ValidationContext, ValidationRule } from 'graphql';
import type { Env } from '../config/env.js';
import { apiError, type ErrorCode } from '../graphql/errors.js';
import { graphqlRuntime } from './graphql-runtime.js';

const { GraphQLError: GraphQLErrorClass, parse, specifiedRules, validate } = graphqlRuntime;

/** The `extensions.code` of every request refused by a size or shape limit. */
export const LIMIT_CODE = 'QUERY_LIMIT_EXCEEDED' satisfies ErrorCode;

/** Which limit a refused request crossed (`extensions.limit`). */
export type LimitKind = 'depth' | 'cost' | 'aliases' | 'directives' | 'tokens';

export interface GraphQLLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
}

export function limitsFromEnv(env: Env): GraphQLLimits {
  return {
    maxDepth: env.GRAPHQL_MAX_DEPTH,
    maxCost: env.GRAPHQL_MAX_COST,
    maxAliases: env.GRAPHQL_MAX_ALIASES,
    maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
    maxTokens: env.GRAPHQL_MAX_TOKENS,
  };
}

const WHAT: Record<LimitKind, string> = {
  depth: 'nesting depth',
  cost: 'cost',
  aliases: 'number of aliases',
  directives: 'number of directives',
  tokens: 'size in tokens',
};

const ADVICE: Record<LimitKind, string> = {
  depth: 'Select fewer nested fields.',
  cost: 'Ask for smaller pages (first) or fewer nested lists, and follow the cursors for the rest.',
  aliases: 'Send fewer aliased fields per request, or several requests.',
  directives: 'Use fewer directives.',
  tokens: 'Send a shorter document.',
};

/** A refusal that says which limit, its value, and what to do; the same on HTTP and graphql-ws. */
export function limitError(limit: LimitKind, max: number, found?: number): GraphQLError {
  const measured = found === undefined ? '' : ` (this request: ${found})`;
  return apiError(LIMIT_CODE, `This request exceeds the ${WHAT[limit]} limit of ${max}${measured}. ${ADVICE[limit]}`, { limit, max });
}

// graphql-armor reports "Syntax Error: Query depth limit of 8 exceeded, found 10." We keep the number
// and write our own message: it is not a syntax error, and clients branch on a stable code.
function foundIn(message: string): number | undefined {
  const m = /found (\d+(?:\.\d+)?)/.exec(message);
  return m ? Math.ceil(Number(m[1])) : undefined;
}

/**
 * The graphql-armor validation rules (depth, cost, aliases, directives), configured to report a coded
 * {@link limitError} instead of armor's generic one. Used by Apollo (`validationRules`) and by the
 * graphql-ws path ({@link prepareOperation}) so both transports refuse the same documents.
 */
export function armorRules(limits: GraphQLLimits): ValidationRule[] {
  const report =
    (kind: LimitKind, max: number) =>
    (ctx: ValidationContext | null, err: GraphQLError): void => {
      ctx?.reportError(limitError(kind, max, foundIn(err.message)));
    };
  const armor = new ApolloArmor({
    // Field suggestions stay: only authenticated callers reach validation, and they may introspect anyway.
    blockFieldSuggestion: { enabled: false },
    // Tokens are counted by graphql-js's own parser option (see parseOptions below), which both
    // transports can use; armor's Apollo plugin throws from parsingDidStart, which Apollo treats as
    // an unexpected error instead of a 400.
    maxTokens: { enabled: false },
    // Fragments count as if inlined: the dashboard is built from fragments and must not pay extra.
    maxDepth: { n: limits.maxDepth, flattenFragments: true, propagateOnRejection: false, onReject: [report('depth', limits.maxDepth)] },
    costLimit: {
      maxCost: limits.maxCost,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [report('cost', limits.maxCost)],
    },
    maxAliases: { n: limits.maxAliases, propagateOnRejection: false, onReject: [report('aliases', limits.maxAliases)] },
    maxDirectives: { n: limits.maxDirectives, propagateOnRejection: false, onReject: [report('directives', limits.maxDirectives)] },
  });
  return armor.protect().validationRules;
}

/** Parser options for both transports: graphql-js stops lexing past `maxTokens`. */
export function parseOptions(limits: GraphQLLimits): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}

const TOKEN_LIMIT_MESSAGE = /Document contains more that \d+ tokens/;

/** Whether a parse error is graphql-js refusing a document for its token count. */
export function isTokenLimitError(message: string): boolean {
  return TOKEN_LIMIT_MESSAGE.test(message);
}

/**
 * Parses and validates a graphql-ws operation exactly as Apollo does for HTTP (token limit, the
 * specified rules, the armor rules). Returns the document, or the errors to send back.
 */
export function prepareOperation(
  schema: GraphQLSchema,
  query: string,
  limits: GraphQLLimits,
  rules: readonly ValidationRule[],
): { document: DocumentNode } | { errors: GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(query, parseOptions(limits));
  } catch (err) {
    if (err instanceof GraphQLErrorClass) {
      if (isTokenLimitError(err.message)) return { errors: [limitError('tokens', limits.maxTokens)] };
      return { errors: [apiError('GRAPHQL_PARSE_FAILED', err.message)] };
    }
    throw err;
  }
  const errors = validate(schema, document, [...specifiedRules, ...rules]);
  if (errors.length > 0) {
    return {
      errors: errors.map((e) =>
        e.extensions?.code === LIMIT_CODE ? e : apiError('GRAPHQL_VALIDATION_FAILED', e.message),
      ),
    };
  }
  return { document };
}
