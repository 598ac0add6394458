import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchReport } from './report.js';

/**
 * Summarises the server's `node --cpu-prof` profiles of a `pnpm bench --profile`
 * run, phase by phase: self time by function and by module (package or source
 * file), using the phase windows the runner recorded (CLOCK_MONOTONIC µs, the
 * clock of V8 profile timestamps).
 *
 *   pnpm --filter @comms/bench profile-summary bench/results/<run> [--top N] [--phase validate,apply]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function moduleOf(url: string): string {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const src = SERVER_CODE.exec(url);
  if (src) return url.slice(src.index + 1);
  return url.replace(/^file:\/\//, '');
}

/** The server's own code: its sources under tsx, its compiled output under npm start. */
const SERVER_CODE = /\/server\/(src|dist)\//;

function label(n: ProfileNode, parent?: ProfileNode): string {
  const f = n.callFrame;
  // Native calls (better-sqlite3 statements, JSON.stringify) are charged to the arrow function that
  // made them; naming its caller tells which statement or step it was.
  const name = f.functionName || `(anonymous in ${parent?.callFrame.functionName || '?'})`;
  if (!f.url) return name;
  return `${name} ${moduleOf(f.url)}:${f.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, v]) => `    ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

function main(): void {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const dir = resolve(args[0] ?? '');
  const topN = Number(args[args.indexOf('--top') + 1]) || 15;
  const only = args.includes('--phase') ? new Set(args[args.indexOf('--phase') + 1].split(',')) : null;
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BenchReport;
  const profilesDir = join(dir, 'profiles');
  for (const sub of readdirSync(profilesDir)) {
    const m = /^(sqlite|postgresql)-run(\d+)$/.exec(sub);
    if (!m) continue;
    const [dialect, run] = [m[1], Number(m[2])];
    for (const file of readdirSync(join(profilesDir, sub)).filter((f) => f.endsWith('.cpuprofile'))) {
      const profile = JSON.parse(readFileSync(join(profilesDir, sub, file), 'utf8')) as CpuProfile;
      // tsx's module loader thread writes its own (nearly empty) profile: the main thread is the one that worked.
      if (!profile.nodes.some((n) => SERVER_CODE.test(n.callFrame.url) && n.callFrame.functionName === 'startApp')) continue;
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const parentOf = new Map<number, number>();
      for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
      const times: number[] = [];
      let t = profile.startTime;
      for (const d of profile.timeDeltas) {
        t += d;
        times.push(t);
      }
      const windows = report.windows.filter((w) => w.dialect === dialect && w.run === run && (!only || only.has(w.phase)));
      process.stdout.write(`\n## ${dialect} run ${run} (${file})\n`);
      for (const w of windows) {
        const fns = new Map<string, number>();
        const mods = new Map<string, number>();
        const inclusive = new Map<string, number>();
        let total = 0;
        let idle = 0;
        for (let i = 0; i < profile.samples.length; i++) {
          if (times[i] < w.startUs || times[i] > w.endUs) continue;
          const node = byId.get(profile.samples[i]);
          if (!node) continue;
          total++;
          if (node.callFrame.functionName === '(idle)') {
            idle++;
            continue;
          }
          const parentId = parentOf.get(node.id);
          const key = label(node, parentId === undefined ? undefined : byId.get(parentId));
          fns.set(key, (fns.get(key) ?? 0) + 1);
          const mod = node.callFrame.url ? moduleOf(node.callFrame.url) : node.callFrame.functionName || '(native)';
          mods.set(mod, (mods.get(mod) ?? 0) + 1);
          // Inclusive time of the server's own functions: each frame of the stack once.
          const seen = new Set<string>();
          for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
            const frame = byId.get(id);
            if (!frame || !SERVER_CODE.test(frame.callFrame.url)) continue;
            const pid = parentOf.get(id);
            const k = label(frame, pid === undefined ? undefined : byId.get(pid));
            if (seen.has(k)) continue;
            seen.add(k);
            inclusive.set(k, (inclusive.get(k) ?? 0) + 1);
          }
        }
        if (total === 0) continue;
        const busy = total - idle;
        const seconds = (w.endUs - w.startUs) / 1e6;
        process.stdout.write(
          `\n### ${w.phase}: ${seconds.toFixed(1)} s wall, server main thread busy ${((100 * busy) / total).toFixed(0)}% (${busy} samples)\n`,
        );
        if (busy === 0) continue;
        process.stdout.write('  by module (self time, % of busy):\n');
        process.stdout.write(`${top(mods, busy, 10).join('\n')}\n`);
        process.stdout.write('  by function (self time, % of busy):\n');
        process.stdout.write(`${top(fns, busy, topN).join('\n')}\n`);
        process.stdout.write('  server/src functions (inclusive, % of busy):\n');
        process.stdout.write(`${top(inclusive, busy, topN).join('\n')}\n`);
      }
    }
  }
}

main();
