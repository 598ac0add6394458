import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpu: string;
  memoryGb: number;
  node: string;
  /** 1/5/15-minute load averages, as `uptime` prints them. */
  load: string;
}

export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    load: loadNow(),
  };
}

/** Peak resident set of a process since its last reset (Linux VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Current resident set, in MB. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Measures the peak RSS of a phase: resets VmHWM (writing 5 to clear_refs,
 * Linux ≥ 4.0, allowed for the process owner) and also samples VmRSS every
 * 20 ms in case the reset is refused. `stop()` returns the phase's peak in MB.
 */
export function watchPeak(pid: number): { stop(): number } {
  let reset = false;
  try {
    writeClearRefs(pid);
    reset = true;
  } catch {
    reset = false;
  }
  let sampled = rssMb(pid);
  const timer = setInterval(() => {
    sampled = Math.max(sampled, rssMb(pid));
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      const hwm = peakRssMb(pid);
      return reset && Number.isFinite(hwm) ? Math.max(hwm, sampled) : sampled;
    },
  };
}


function writeClearRefs(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Which server code was measured: the commit, and a hash of the uncommitted
 * changes under server/ (the server is being optimised while the bench runs).
 */
export function serverState(): string {
  const repo = resolve(import.meta.dirname, '../..');
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const diff = execFileSync('git', ['diff', 'HEAD', '--', 'server'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const untracked = execFileSync('git', ['ls-files', '--others', '--exclude-standard', '--', 'server/src'], { cwd: repo, encoding: 'utf8' });
    if (!diff && !untracked) return head;
    const hash = createHash('sha256').update(diff).update(untracked);
    for (const f of untracked.split('\n').filter(Boolean)) hash.update(readFileSync(resolve(repo, f)));
    return `${head} + uncommitted server changes ${hash.digest('hex').slice(0, 10)}`;
  } catch {
    return 'unknown';
  }
}

/** CPU time (user + system) a process has used, in seconds (Linux /proc/<pid>/stat, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used during a phase by the server process and by the database's backend processes. */
export interface CpuUse {
  serverS: number;
  databaseS: number;
}

/** Starts counting CPU of `pid` and of the processes `others()` lists (read again at the end). */
export async function watchCpu(pid: number, others: () => Promise<number[]>): Promise<{ stop(): Promise<CpuUse> }> {
  const server0 = cpuSeconds(pid);
  const before = new Map((await others()).map((p) => [p, cpuSeconds(p)]));
  return {
    async stop() {
      let databaseS = 0;
      for (const p of await others()) databaseS += cpuSeconds(p) - (before.get(p) ?? 0);
      return { serverS: cpuSeconds(pid) - server0, databaseS };
    },
  };
}
