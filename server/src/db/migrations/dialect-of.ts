import type { Migration } from '@mikro-orm/migrations';

/** Which dialect a migration runs on, read from the connection it was given. */
export function dialectOf(m: Migration): 'sqlite' | 'postgresql' {
  // biome-ignore lint/suspicious/noExplicitAny: the driver name is not in the public Migration type
  const name = (m as any).driver.constructor.name as string;
  return name.toLowerCase().includes('postgre') ? 'postgresql' : 'sqlite';
}
