/**
 * The one polling helper of the suites: checks a condition (read over HTTP, from the
 * database, or from a test double) until it holds, or fails naming what never came.
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000, what = 'condition', intervalMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not reached`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
