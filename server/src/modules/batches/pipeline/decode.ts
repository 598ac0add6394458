import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { getDecoder } from 'iconv-lite';
import { detectEncoding, isAscii, utf8OrWindows1252 } from './detect.js';
import { fileTooLargeRejection, unsupportedEncodingRejection } from './errors.js';

export { detectEncoding, type DetectedEncoding } from './detect.js';

/** How many bytes are buffered to choose an encoding; the rest of the file streams through. */
export const SNIFF_BYTES = 64 * 1024;

/** Options of {@link createDecoder}. */
export interface DecoderOptions {
  /** Refuse the file with FILE_TOO_LARGE once more bytes than this arrive. No limit when absent. */
  maxBytes?: number;
}

interface ChunkDecoder {
  write(buf: Buffer): string;
  end(): string | undefined;
}

function firstNonAscii(buf: Buffer): number {
  for (let i = 0; i < buf.length; i += 1) if (buf[i] >= 0x80) return i;
  return -1;
}

/**
 * Decoding state. `ascii` exists because a file can be plain ASCII for its whole sniffed prefix and
 * only later show an accented name: UTF-8 and Windows-1252 agree on ASCII, so the choice between them
 * is postponed to the first non-ASCII byte and made on a bounded window from there (`deciding`).
 */
type Mode = 'sniff' | 'ascii' | 'deciding' | 'decoding';

class DecoderTransform extends Transform {
  private mode: Mode = 'sniff';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private decoder: ChunkDecoder | null = null;
  private totalBytes = 0;
  private readonly maxBytes: number;

  constructor(opts: DecoderOptions) {
    super({ readableObjectMode: true });
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.totalBytes += chunk.length;
      if (this.totalBytes > this.maxBytes) throw fileTooLargeRejection(this.maxBytes);
      this.accept(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.mode === 'sniff') this.startFromPrefix(this.takePending());
      else if (this.mode === 'deciding') this.startFromWindow(this.takePending());
      if (this.decoder) this.emitText(this.decoder.end() ?? '');
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private accept(chunk: Buffer): void {
    switch (this.mode) {
      case 'sniff':
      case 'deciding':
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        if (this.pendingBytes < SNIFF_BYTES) return;
        if (this.mode === 'sniff') this.startFromPrefix(this.takePending());
        else this.startFromWindow(this.takePending());
        return;
      case 'ascii': {
        const at = firstNonAscii(chunk);
        if (at < 0) {
          this.emitText(chunk.toString('latin1'));
          return;
        }
        this.emitText(chunk.subarray(0, at).toString('latin1'));
        this.mode = 'deciding';
        this.accept(chunk.subarray(at));
        return;
      }
      case 'decoding':
        this.emitText(this.requireDecoder().write(chunk));
    }
  }

  private takePending(): Buffer {
    const all = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }

  private startFromPrefix(prefix: Buffer): void {
    const encoding = detectEncoding(prefix);
    switch (encoding) {
      case 'binary':
        throw unsupportedEncodingRejection();
      case 'utf16le':
      case 'utf16be':
        // iconv-lite strips a leading BOM by default.
        this.useDecoder(getDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be'), prefix);
        return;
      case 'windows1252':
        this.useDecoder(getDecoder('windows-1252'), prefix);
        return;
      case 'utf8': {
        const hasBom = prefix[0] === 0xef && prefix[1] === 0xbb && prefix[2] === 0xbf;
        if (hasBom) {
          this.useDecoder(new StringDecoder('utf8'), prefix.subarray(3));
        } else if (isAscii(prefix)) {
          this.mode = 'ascii';
          this.emitText(prefix.toString('latin1'));
        } else {
          this.useDecoder(new StringDecoder('utf8'), prefix);
        }
      }
    }
  }

  private startFromWindow(window: Buffer): void {
    const encoding = utf8OrWindows1252(window);
    this.useDecoder(encoding === 'utf8' ? new StringDecoder('utf8') : getDecoder('windows-1252'), window);
  }

  private useDecoder(decoder: ChunkDecoder, first: Buffer): void {
    this.decoder = decoder;
    this.mode = 'decoding';
    this.emitText(decoder.write(first));
  }

  private requireDecoder(): ChunkDecoder {
    if (!this.decoder) throw new Error('decoder used before an encoding was chosen');
    return this.decoder;
  }

  private emitText(text: string): void {
    // A NUL character never occurs in a spreadsheet export; it means binary content past the sniffed prefix.
    if (text.includes('\u0000')) throw unsupportedEncodingRejection();
    if (text.length > 0) this.push(text);
  }
}

/**
 * Creates a Transform that takes the raw bytes of an uploaded file and emits its text as UTF-8 strings.
 *
 * The readable side is in object mode: every chunk is a non-empty `string` (never a Buffer), so
 * characters split across input chunks are never split in the output. Handles UTF-8 with or without
 * BOM (the BOM is removed), UTF-16LE/BE with or without BOM, and Windows-1252. Only a bounded prefix
 * ({@link SNIFF_BYTES}) is buffered to choose the encoding. Binary content, anywhere in the file, makes
 * the stream fail with a FileRejection `UNSUPPORTED_ENCODING`; exceeding `maxBytes` fails it with
 * `FILE_TOO_LARGE`.
 *
 * Invalid UTF-8 found after the encoding was chosen as UTF-8 is replaced by U+FFFD rather than
 * refusing the file: the damage stays confined to the affected cells, which then fail row validation.
 */
export function createDecoder(opts: DecoderOptions = {}): Transform {
  return new DecoderTransform(opts);
}
