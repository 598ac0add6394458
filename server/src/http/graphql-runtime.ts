import { createRequire } from 'node:module';

/**
 * The `graphql` module as Node loads it for type-graphql, Apollo and graphql-ws (its CommonJS build:
 * the package has no "exports", so Node follows "main"). Source files run by vitest resolve a bare
 * `import 'graphql'` through the "module" field to the ESM build instead, a second copy: its
 * validate() refuses the schema built by the first ("from another module or realm"), and its
 * GraphQLError fails the instanceof checks of Apollo and graphql-ws. Runtime values that meet the
 * schema or those libraries come from here; types can still be imported from 'graphql'.
 */
export const graphqlRuntime = createRequire(import.meta.url)('graphql') as typeof import('graphql');
