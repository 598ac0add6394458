// `pnpm --filter @comms/client codegen`: gql.tada writes the typed introspection of the server
// schema (../schema/schema.graphql, see tsconfig.json) to src/graphql/graphql-env.d.ts.
// It also writes src/graphql/schema-introspection.json: the same schema, minified by
// @urql/introspection, which Graphcache reads at run time (interfaces, enums, which fields exist).
// `codegen --check` fails, leaving the files as they were, when a committed file is stale.
// Offline: it reads local files only.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minifyIntrospectionQuery } from '@urql/introspection';
import { buildSchema, getIntrospectionQuery, graphqlSync } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const envPath = resolve(root, 'src/graphql/graphql-env.d.ts');
const check = process.argv.includes('--check');
const before = readFileSync(envPath, 'utf8');
const introspectionPath = resolve(root, 'src/graphql/schema-introspection.json');
const introspectionBefore = readFileSync(introspectionPath, { encoding: 'utf8', flag: 'a+' });

const result = spawnSync(process.execPath, [resolve(root, 'node_modules/gql.tada/bin/cli.js'), 'generate', 'output'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

// The generated file imports gql.tada only to augment its module; tell Biome so.
const importLine = "import * as gqlTada from 'gql.tada';";
const ignore = '// biome-ignore lint/correctness/noUnusedImports: the import makes the module augmentation below work';
let text = readFileSync(envPath, 'utf8');
if (!text.includes(ignore)) text = text.replace(importLine, `${ignore}\n${importLine}`);
writeFileSync(envPath, text);

const schema = buildSchema(readFileSync(resolve(root, '../schema/schema.graphql'), 'utf8'));
const introspected = graphqlSync({ schema, source: getIntrospectionQuery({ descriptions: false }) });
if (!introspected.data) throw new Error(`introspection failed: ${JSON.stringify(introspected.errors)}`);
const introspection = `${JSON.stringify(minifyIntrospectionQuery(introspected.data, { includeScalars: false, includeEnums: true, includeInputs: false, includeDirectives: false }))}\n`;
writeFileSync(introspectionPath, introspection);

if (check && (text !== before || introspection !== introspectionBefore)) {
  writeFileSync(envPath, before);
  writeFileSync(introspectionPath, introspectionBefore);
  console.error('✗ client/src/graphql/graphql-env.d.ts or schema-introspection.json is stale: run `pnpm --filter @comms/client codegen` and commit them.');
  process.exit(1);
}
