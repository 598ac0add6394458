/**
 * What a DNS lookup says of a mail domain: it can receive mail (an MX, else an A or AAAA record),
 * it cannot (the name does not exist, or has none of those records), or nobody knows (timeout,
 * no network, a server failure): only `false` is ever reported to the user.
 */
export type DomainVerdict = boolean | null;

/** The resolver seam: node's DNS in production, a test's loopback server in tests. */
export interface DomainResolver {
  canReceiveMail(domain: string): Promise<DomainVerdict>;
}

/** Verdicts shared across files for a while: a domain's records change rarely. */
export class DomainVerdictCache {
  private readonly entries = new Map<string, { verdict: DomainVerdict; until: number }>();

  constructor(
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly max = 50_000,
  ) {}

  get(domain: string, now = Date.now()): DomainVerdict | undefined {
    const e = this.entries.get(domain);
    if (!e) return undefined;
    if (e.until < now) {
      this.entries.delete(domain);
      return undefined;
    }
    return e.verdict;
  }

  set(domain: string, verdict: DomainVerdict, now = Date.now()): void {
    // "Unknown" is not remembered: the network may be back for the next file.
    if (verdict === null) return;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(domain, { verdict, until: now + this.ttlMs });
  }
}

export interface DomainCheckOptions {
  /** Lookups in flight at once. */
  concurrency: number;
  /** Distinct domains looked up per file at most; further ones are not checked (a hostile file). */
  maxDomains?: number;
}

/**
 * The DNS check of one file: domains are added as validation finds them and looked up in the
 * background, each at most once, at most `concurrency` at a time; {@link settle} waits for the
 * rest no longer than its budget. Lookups never throw into validation.
 */
export class DomainCheck {
  private readonly seen = new Set<string>();
  private readonly queue: string[] = [];
  private readonly results = new Map<string, DomainVerdict>();
  private inFlight = 0;
  private idle: (() => void) | null = null;
  lookups = 0;

  constructor(
    private readonly resolver: DomainResolver,
    private readonly cache: DomainVerdictCache,
    private readonly options: DomainCheckOptions,
  ) {}

  /** Schedules the lookup of a domain (lowercase) unless this file already did. */
  add(domain: string): void {
    if (this.seen.has(domain)) return;
    if (this.seen.size >= (this.options.maxDomains ?? 50_000)) return;
    this.seen.add(domain);
    const cached = this.cache.get(domain);
    if (cached !== undefined) {
      this.results.set(domain, cached);
      return;
    }
    this.queue.push(domain);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const domain = this.queue.shift() as string;
      this.inFlight++;
      this.lookups++;
      this.resolver
        .canReceiveMail(domain)
        .catch((): DomainVerdict => null)
        .then((verdict) => {
          this.results.set(domain, verdict);
          this.cache.set(domain, verdict);
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.queue.length === 0) this.idle?.();
        });
    }
  }

  /** Waits for the pending lookups, at most `budgetMs`; returns the domains known not to receive mail. */
  async settle(budgetMs: number): Promise<string[]> {
    if (this.inFlight > 0 || this.queue.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.idle = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, budgetMs);
        }),
      ]);
      clearTimeout(timer);
      this.idle = null;
      // Past the budget: what was not answered stays unknown; queued lookups are dropped.
      this.queue.length = 0;
    }
    return [...this.results].filter(([, v]) => v === false).map(([d]) => d);
  }
}
