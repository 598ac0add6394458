import type { EmailRefusal } from '../pipeline/email.js';
import type { PreparedRow } from '../pipeline/rules.js';

/**
 * A chunk of prepared rows as the parse worker sends it: a few flat arrays and
 * one string rather than an object per row, so posting it is a copy of a few
 * buffers and reading it on the main thread costs one `split`.
 */
export interface PackedRows {
  count: number;
  rowNumbers: Int32Array;
  flags: Uint8Array;
  /** {@link FIELDS} strings per row, joined by NUL, which the decoder never lets through (decode.ts). */
  text: string;
}

const ID_VALID = 1;
const LOOKUP_ID = 2;
const EMAIL_BLANK = 4;
const EMAIL_REFUSED = 8;
// The business name to keep when no account is found is nearly always the compared one.
const TYPED_NAME_SAME = 16;
const TYPED_NAME_NULL = 32;

// typedId, email, emailReason, businessName, firstName, lastName, typedBusinessName
const FIELDS = 7;
const SEPARATOR = '\u0000';

/** Collects prepared rows in the worker; `take` empties it. */
export class RowPacker {
  private rowNumbers: number[] = [];
  private flags: number[] = [];
  private parts: string[] = [];
  private textLength = 0;

  /** Characters of text held: a chunk is also bounded by its size, not only by its rows. */
  get chars(): number {
    return this.textLength;
  }

  get count(): number {
    return this.rowNumbers.length;
  }

  /** `typedBusinessName`: the Business Name cell as shown when the account is unknown (null when blank). */
  add(row: PreparedRow, typedBusinessName: string | null): void {
    let flags = 0;
    if (row.idValid) flags |= ID_VALID;
    if (row.lookupId) flags |= LOOKUP_ID;
    if (row.emailBlank) flags |= EMAIL_BLANK;
    if (row.emailReason !== null) flags |= EMAIL_REFUSED;
    let typed = '';
    if (typedBusinessName === null) flags |= TYPED_NAME_NULL;
    else if (typedBusinessName === row.businessName) flags |= TYPED_NAME_SAME;
    else typed = typedBusinessName;
    this.rowNumbers.push(row.rowNumber);
    this.flags.push(flags);
    // Refused addresses are few: their reason travels as JSON (NUL-free: JSON escapes it).
    const reason = row.emailReason === null ? '' : JSON.stringify(row.emailReason);
    this.parts.push(row.typedId, row.email, reason, row.businessName, row.firstName, row.lastName, typed);
    this.textLength +=
      row.typedId.length + row.email.length + reason.length + row.businessName.length + row.firstName.length + row.lastName.length + typed.length;
  }

  take(): PackedRows {
    const packed: PackedRows = {
      count: this.rowNumbers.length,
      rowNumbers: Int32Array.from(this.rowNumbers),
      flags: Uint8Array.from(this.flags),
      text: this.parts.join(SEPARATOR),
    };
    this.rowNumbers = [];
    this.flags = [];
    this.parts = [];
    this.textLength = 0;
    return packed;
  }
}

/** Reads a {@link PackedRows} back, row by row, into one reused {@link PreparedRow}. */
export class PackedRowsReader {
  readonly count: number;
  private readonly fields: string[];
  private readonly current: PreparedRow = {
    rowNumber: 0,
    typedId: '',
    idValid: false,
    lookupId: false,
    emailBlank: true,
    email: '',
    emailReason: null,
    businessName: '',
    firstName: '',
    lastName: '',
  };

  constructor(private readonly packed: PackedRows) {
    this.count = packed.count;
    this.fields = packed.count === 0 ? [] : packed.text.split(SEPARATOR);
    if (this.fields.length !== packed.count * FIELDS) throw new Error('packed rows do not match their count');
  }

  /** Row `i`; the object is overwritten by the next call. */
  row(i: number): PreparedRow {
    const f = this.fields;
    const at = i * FIELDS;
    const flags = this.packed.flags[i];
    const r = this.current;
    r.rowNumber = this.packed.rowNumbers[i];
    r.typedId = f[at];
    r.idValid = (flags & ID_VALID) !== 0;
    r.lookupId = (flags & LOOKUP_ID) !== 0;
    r.emailBlank = (flags & EMAIL_BLANK) !== 0;
    r.email = f[at + 1];
    r.emailReason = flags & EMAIL_REFUSED ? (JSON.parse(f[at + 2]) as EmailRefusal) : null;
    r.businessName = f[at + 3];
    r.firstName = f[at + 4];
    r.lastName = f[at + 5];
    return r;
  }

  /** The id row `i`'s account is looked up by, or null. */
  lookupId(i: number): string | null {
    return this.packed.flags[i] & LOOKUP_ID ? this.fields[i * FIELDS] : null;
  }

  /** Business Name of row `i` as typed (formula guard removed, trimmed), null when blank. */
  typedBusinessName(i: number): string | null {
    const flags = this.packed.flags[i];
    if (flags & TYPED_NAME_NULL) return null;
    return this.fields[i * FIELDS + (flags & TYPED_NAME_SAME ? 3 : 6)];
  }
}
