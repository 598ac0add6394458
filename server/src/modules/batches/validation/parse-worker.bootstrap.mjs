import { workerData } from 'node:worker_threads';

// A worker does not inherit the parent's module hooks: under tsx (the server's
// start command) and vitest the TypeScript entry needs tsx registered here.
if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
