/** Encodings the decoder knows how to turn into text, plus `binary` for everything it refuses. */
export type DetectedEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'windows1252' | 'binary';

// Files that users mistake for CSV: workbooks (.xlsx/.numbers are zip, .xls is OLE2), PDFs, images, archives.
const BINARY_SIGNATURES: readonly (readonly number[])[] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x50, 0x4b, 0x03, 0x04], // zip
  [0x50, 0x4b, 0x05, 0x06], // empty zip
  [0xd0, 0xcf, 0x11, 0xe0], // OLE2 (.xls)
  [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
  [0x1f, 0x8b], // gzip
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF8
  [0x00, 0x00, 0xfe, 0xff], // UTF-32BE BOM
  [0xff, 0xfe, 0x00, 0x00], // UTF-32LE BOM (checked before the UTF-16LE BOM)
];

// Only a window is needed to see the NUL pattern of UTF-16; it also bounds the cost on 64 KiB prefixes.
const UTF16_WINDOW = 4096;

function startsWith(buf: Buffer, sig: readonly number[]): boolean {
  return buf.length >= sig.length && sig.every((b, i) => buf[i] === b);
}

/**
 * Length of the longest prefix of `buf` that is valid UTF-8, or -1 when an invalid sequence occurs
 * before the last 3 bytes. A sequence cut by the end of `buf` is not an error: a sniffed prefix can end
 * in the middle of a character.
 */
export function validUtf8Length(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return -1;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k += 1) {
      if (i + k >= buf.length) return i; // truncated by the end of the buffer
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return -1;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlongs, surrogates and values past U+10FFFF are invalid UTF-8 and a strong sign of another encoding.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return -1;
    i += need + 1;
  }
  return i;
}

function isUtf8Prefix(buf: Buffer): boolean {
  const n = validUtf8Length(buf);
  return n >= 0 && buf.length - n <= 3;
}

/**
 * Counts the well-formed multi-byte UTF-8 sequences of `buf` and the bytes that cannot be part of one
 * (each counted and skipped on its own). A sequence cut by the end of `buf` counts as neither: a
 * window can end in the middle of a character.
 */
export function utf8Evidence(buf: Buffer): { multibyte: number; invalid: number } {
  let multibyte = 0;
  let invalid = 0;
  let i = 0;
  while (i < buf.length) {
    if (buf[i] < 0x80) {
      i += 1;
      continue;
    }
    const length = sequenceLength(buf[i]);
    if (length > 1 && i + length > buf.length) break; // cut by the end of the window
    if (length > 1 && validUtf8Length(buf.subarray(i, i + length)) === length) {
      multibyte += 1;
      i += length;
    } else {
      invalid += 1;
      i += 1;
    }
  }
  return { multibyte, invalid };
}

/** Bytes of the UTF-8 sequence a lead byte announces; 1 for bytes that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/**
 * UTF-8 or Windows-1252 for bytes that are not pure ASCII. Valid UTF-8 is UTF-8. Otherwise the
 * majority decides: genuine Windows-1252 text almost never forms valid multi-byte UTF-8 sequences
 * (an accented letter is followed by ASCII), while a UTF-8 file with a few stray bytes (a name pasted
 * from an older file) is mostly valid sequences. Reading such a file as Windows-1252 would turn every
 * accented name into mojibake and, worse, could turn an internationalized domain into another valid
 * one (UTF-8 "ş" read as Windows-1252 is "ÅŸ", two letters); read as UTF-8, only the stray bytes
 * become U+FFFD and fail validation in their own cells.
 */
function utf8Wins(buf: Buffer): boolean {
  if (isUtf8Prefix(buf)) return true;
  const { multibyte, invalid } = utf8Evidence(buf);
  return multibyte > invalid;
}

/** UTF-16 text that is mostly ASCII (a CSV header always is) has a NUL in every other byte. */
function detectUtf16WithoutBom(buf: Buffer): 'utf16le' | 'utf16be' | null {
  const n = Math.min(buf.length, UTF16_WINDOW) & ~1;
  if (n < 2) return null;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] === 0) evenNuls += 1;
    if (buf[i + 1] === 0) oddNuls += 1;
  }
  const pairs = n / 2;
  if (oddNuls >= pairs * 0.4 && evenNuls <= pairs * 0.05) return 'utf16le';
  if (evenNuls >= pairs * 0.4 && oddNuls <= pairs * 0.05) return 'utf16be';
  return null;
}

// TAB LF VT FF CR, SUB (old DOS end-of-file) and ESC are seen in real exports; other C0 controls are not text.
function isForeignControl(b: number): boolean {
  return b < 0x20 && !(b >= 0x09 && b <= 0x0d) && b !== 0x1a && b !== 0x1b;
}

/**
 * Guesses the encoding of a file from its first bytes (the caller bounds the prefix, e.g. 64 KiB).
 * Byte-order marks win; then known binary signatures; then the NUL pattern of BOM-less UTF-16;
 * then NUL bytes or many control characters mean binary; then valid UTF-8 (pure ASCII included)
 * means `utf8`, and so does mostly valid UTF-8 (see {@link utf8OrWindows1252}); anything else is taken as
 * Windows-1252, what Excel writes for "CSV (Comma delimited)".
 */
export function detectEncoding(prefix: Buffer): DetectedEncoding {
  if (startsWith(prefix, [0xef, 0xbb, 0xbf])) return 'utf8';
  if (BINARY_SIGNATURES.some((sig) => startsWith(prefix, sig))) return 'binary';
  if (startsWith(prefix, [0xff, 0xfe])) return 'utf16le';
  if (startsWith(prefix, [0xfe, 0xff])) return 'utf16be';
  const utf16 = detectUtf16WithoutBom(prefix);
  if (utf16) return utf16;
  let controls = 0;
  for (const b of prefix) {
    if (b === 0) return 'binary';
    if (isForeignControl(b)) controls += 1;
  }
  if (controls > prefix.length * 0.01) return 'binary';
  return utf8Wins(prefix) ? 'utf8' : 'windows1252';
}

/** Whether every byte is ASCII, in which case UTF-8 and Windows-1252 read it the same way. */
export function isAscii(buf: Buffer): boolean {
  for (const b of buf) if (b >= 0x80) return false;
  return true;
}

/**
 * Chooses between UTF-8 and Windows-1252 for bytes that contain non-ASCII: valid UTF-8, or more
 * well-formed multi-byte sequences than invalid bytes, is UTF-8 (invalid bytes then decode to U+FFFD).
 */
export function utf8OrWindows1252(window: Buffer): 'utf8' | 'windows1252' {
  return utf8Wins(window) ? 'utf8' : 'windows1252';
}
