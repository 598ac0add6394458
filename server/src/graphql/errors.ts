import { GraphQLError } from 'graphql';

/** The `extensions.code` values of API.md, one constructor each. */
export const unauthenticated = (message = 'Sign in or send a valid API key.') =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

export const forbidden = (message = 'Your role does not allow this. Ask an admin of your platform.') =>
  new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });

export const notFound = (what: string) =>
  new GraphQLError(`${what} not found.`, { extensions: { code: 'NOT_FOUND' } });

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...details } });

export const conflict = (message: string) => new GraphQLError(message, { extensions: { code: 'CONFLICT' } });
