// `pnpm --filter @comms/client codegen`: gql.tada writes the typed introspection of the server
// schema (../schema/schema.graphql, see tsconfig.json) to src/graphql/graphql-env.d.ts.
// `codegen --check` fails, leaving the file as it was, when the committed file is stale.
// Offline: it reads local files only.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const envPath = resolve(root, 'src/graphql/graphql-env.d.ts');
const check = process.argv.includes('--check');
const before = readFileSync(envPath, 'utf8');

const result = spawnSync(process.execPath, [resolve(root, 'node_modules/gql.tada/bin/cli.js'), 'generate', 'output'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

// The generated file imports gql.tada only to augment its module; tell Biome so.
const importLine = "import * as gqlTada from 'gql.tada';";
const ignore = '// biome-ignore lint/correctness/noUnusedImports: the import makes the module augmentation below work';
let text = readFileSync(envPath, 'utf8');
if (!text.includes(ignore)) text = text.replace(importLine, `${ignore}\n${importLine}`);
writeFileSync(envPath, text);

if (check && text !== before) {
  writeFileSync(envPath, before);
  console.error('✗ client/src/graphql/graphql-env.d.ts is stale: run `pnpm --filter @comms/client codegen` and commit it.');
  process.exit(1);
}
