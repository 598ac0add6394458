import { Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors.js';

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Longest cursor the server issues is well under this; anything longer was not issued here. */
const MAX_CURSOR_CHARS = 200;
const NUMBER_KEY = /^(0|[1-9][0-9]{0,15})$/;
// Sort keys are ids (`acct_…`), numbers, or `<epoch ms>|<id>` pairs.
const STRING_KEY = /^[A-Za-z0-9_|.-]{1,120}$/;

/**
 * Opaque cursors: base64url of a tagged sort key (`n:` a number, `s:` a string), so clients do
 * not build them by hand and the server can tell its own cursors from anything else.
 */
export function encodeCursor(key: string | number): string {
  return Buffer.from(`${typeof key === 'number' ? 'n' : 's'}:${key}`, 'utf8').toString('base64url');
}

const notIssued = () =>
  badInput('This cursor was not issued by this server: pass a cursor or pageInfo.endCursor from a previous page.', {
    argument: 'after',
  });

/**
 * The sort key of a cursor this server issued. Anything else — garbage, an enormous string, a
 * hand-made key — is BAD_USER_INPUT rather than a silently empty page.
 */
export function decodeCursor(cursor: string): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw notIssued();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Base64 accepts several spellings of the same bytes; only the one we write is ours.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) throw notIssued();
  const key = text.slice(2);
  if (text.startsWith('n:') && NUMBER_KEY.test(key)) return key;
  if (text.startsWith('s:') && STRING_KEY.test(key)) return key;
  throw notIssued();
}

/** Clamps `first` to [1, max] with a default. */
export function pageSize(first: number | null | undefined, fallback = 50, max = 500): number {
  if (first === null || first === undefined) return fallback;
  return Math.min(Math.max(1, Math.floor(first)), max);
}

/** Builds a connection from `size + 1` fetched items (the extra one tells hasNextPage). */
export function toConnection<T>(items: T[], size: number, keyOf: (item: T) => string | number, totalCount: number): Connection<T> {
  const page = items.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: items.length > size, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount,
  };
}

/** Declares `XEdge` and `XConnection` object types for a node type. */
export function connectionTypes<T>(name: string, node: () => new (...args: never[]) => T) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int)
    totalCount!: number;
  }

  return { EdgeType, ConnectionType };
}
