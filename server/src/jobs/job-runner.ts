/**
 * The job seam. Features register handlers by name and enqueue payloads; the
 * embedded runner executes them in this process, the scale-out one (BullMQ)
 * on whichever worker takes them. Handlers must be idempotent: a job may run
 * again after a crash.
 */
export type JobHandler<P> = (payload: P) => Promise<void>;

/** Where jobs run: registered handlers execute them; enqueue may target handlers on other processes. */
export interface JobRunner {
  /**
   * True when queued and running jobs outlive this process (BullMQ: a crashed worker's job is
   * retried elsewhere); false when they die with it (in-process). Start-up recovery depends on it.
   */
  readonly durable: boolean;
  register<P>(name: string, handler: JobHandler<P>): void;
  enqueue<P>(name: string, payload: P, opts?: { delayMs?: number; jobId?: string }): Promise<void>;
  /** Resolves when every job started so far has settled (tests, graceful shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Thrown by a handler that stopped at a safe point because the process is shutting down
 * (`Services.shutdown` aborted): the job is not finished and must run again. BullMQ puts it back
 * in the queue for any worker; in-process, the next start's recovery enqueues it again.
 */
export class JobHandedBack extends Error {
  constructor(message = 'handed back at shutdown') {
    super(message);
    this.name = 'JobHandedBack';
  }
}
