/**
 * The batch's statuses, declared once. The TypeScript type, the GraphQL enum
 * (`UploadBatchStatus`), the transitions table and the tests derive from this list.
 */
export const BATCH_STATUSES = [
  'AWAITING_UPLOAD',
  'VALIDATING',
  'VALIDATED',
  'REJECTED',
  'AWAITING_APPROVAL',
  'DECLINED',
  'APPLYING',
  'COMPLETED',
  'ROLLING_BACK',
  'ROLLED_BACK',
  'CANCELED',
  'EXPIRED',
  'FAILED',
] as const;

export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** `{ NAME: 'NAME' }` for a list of names: the object type-graphql registers as an enum. */
export function enumOf<const T extends readonly string[]>(values: T): { readonly [K in T[number]]: K } {
  return Object.freeze(Object.fromEntries(values.map((v) => [v, v]))) as { readonly [K in T[number]]: K };
}

/** The statuses by name (`UploadBatchStatus.VALIDATED`), and the GraphQL enum of the same name. */
export const UploadBatchStatus = enumOf(BATCH_STATUSES);
export type UploadBatchStatus = BatchStatus;
