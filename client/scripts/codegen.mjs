// `pnpm --filter @comms/client codegen`: merges the schemas, then lets gql.tada write the typed
// introspection (src/graphql/graphql-env.d.ts). Offline: it reads local files only.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run([resolve(here, 'merge-schema.mjs')]);
run([resolve(root, 'node_modules/gql.tada/bin/cli.js'), 'generate', 'output']);

// The generated file imports gql.tada only to augment its module; tell Biome so.
const envPath = resolve(root, 'src/graphql/graphql-env.d.ts');
const text = readFileSync(envPath, 'utf8');
const importLine = "import * as gqlTada from 'gql.tada';";
const ignore = '// biome-ignore lint/correctness/noUnusedImports: the import makes the module augmentation below work';
if (!text.includes(ignore)) writeFileSync(envPath, text.replace(importLine, `${ignore}\n${importLine}`));
