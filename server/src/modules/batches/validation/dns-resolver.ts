import { Resolver } from 'node:dns/promises';
import type { DomainResolver, DomainVerdict } from '../pipeline/domain-check.js';

/** Answers meaning "this name has no such record" (as opposed to "could not ask"). */
const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

type Outcome = 'found' | 'none' | 'unknown';

async function ask(lookup: () => Promise<unknown[]>): Promise<Outcome> {
  try {
    return (await lookup()).length > 0 ? 'found' : 'none';
  } catch (err) {
    return NO_RECORD.has((err as NodeJS.ErrnoException).code ?? '') ? 'none' : 'unknown';
  }
}

/**
 * node's c-ares resolver: MX first, then A and AAAA (RFC 5321 falls back to the address records).
 * One try per query with the given timeout; an `unknown` answer on any query makes the verdict
 * unknown, so a flaky network never produces a warning.
 */
export function createDnsResolver(options: { servers: readonly string[]; timeoutMs: number }): DomainResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return {
    async canReceiveMail(domain: string): Promise<DomainVerdict> {
      const mx = await ask(() => resolver.resolveMx(domain));
      if (mx === 'found') return true;
      const [a, aaaa] = await Promise.all([ask(() => resolver.resolve4(domain)), ask(() => resolver.resolve6(domain))]);
      if (a === 'found' || aaaa === 'found') return true;
      if (mx === 'unknown' || a === 'unknown' || aaaa === 'unknown') return null;
      return false;
    },
  };
}
