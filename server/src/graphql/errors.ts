import type { GraphQLError } from 'graphql';
import { graphqlRuntime } from '../http/graphql-runtime.js';

/**
 * Every `extensions.code` the API answers with (API.md, SECURITY.md), declared
 * once. Plain HTTP routes answer with the same codes in their JSON bodies.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'QUERY_LIMIT_EXCEEDED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'FILE_TOO_LARGE',
  'UPLOAD_INTERRUPTED',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An API error with its code. Always the GraphQLError class Apollo and
 * graphql-ws load (http/graphql-runtime.ts explains why there can be two).
 */
export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new graphqlRuntime.GraphQLError(message, { extensions: { ...extensions, code } });
}

/** Whether an error is one the API raised on purpose (its message is for the caller), not an internal failure. */
export function isApiError(err: unknown): err is GraphQLError {
  const code = (err as GraphQLError | null)?.extensions?.code;
  return typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR' && (ERROR_CODES as readonly string[]).includes(code);
}

export const unauthenticated = (message = 'Sign in or send a valid API key.') => apiError('UNAUTHENTICATED', message, { http: { status: 401 } });

export const forbidden = (message = 'Your role does not allow this. Ask an admin of your platform.') => apiError('FORBIDDEN', message);

export const notFound = (what: string) => apiError('NOT_FOUND', `${what} not found.`);

export const badInput = (message: string, details?: Record<string, unknown>) => apiError('BAD_USER_INPUT', message, details);

export const conflict = (message: string) => apiError('CONFLICT', message);

/** What a caller sees of an unexpected failure: nothing of its cause (that goes to the log). */
export const internalError = () => apiError('INTERNAL_SERVER_ERROR', 'Internal server error');
