import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { HEADER, allRows, createBatch, getBatch, putFile, uploadAndValidate, waitForStatus } from '../support/flow.js';

describe('file-level errors', () => {
  let t: TestApp;
  let auth: { apiKey: string };
  let ids: string[];

  beforeAll(async () => {
    // Small caps so the limits are cheap to reach.
    t = await startTestApp({ MAX_UPLOAD_ROWS: '5', MAX_UPLOAD_BYTES: '4096' });
    const p = await t.platform('Files Inc', 20);
    auth = { apiKey: p.apiKey };
    const rows = await t.app.services.db.query<{ id: string }>('select id from connected_account where platform_id = $1 order by id', [
      p.platformId,
    ]);
    ids = rows.map((r) => r.id);
  });
  afterAll(() => t.stop());

  async function expectRejected(body: Buffer | string, code: string) {
    const batch = await uploadAndValidate(t.url, auth, body);
    expect(batch.status).toBe('REJECTED');
    expect(batch.fileError?.code).toBe(code);
    expect(batch.fileError?.message.length).toBeGreaterThan(20);
    expect(await allRows(t.url, auth, batch.id)).toEqual([]);
    return batch;
  }

  it('EMPTY_FILE for zero bytes, a lone BOM, blank lines and a header without rows', async () => {
    await expectRejected('', 'EMPTY_FILE');
    await expectRejected('\uFEFF', 'EMPTY_FILE');
    await expectRejected('\r\n\r\n  \n', 'EMPTY_FILE');
    await expectRejected(`${HEADER}\n`, 'EMPTY_FILE');
  });

  it('MISSING_REQUIRED_HEADERS names what is missing and what was found', async () => {
    const b = await expectRejected('Account ID,Email\nacct_1,a@b.co\n', 'MISSING_REQUIRED_HEADERS');
    expect(b.fileError?.missingHeaders).toEqual(['Email Address (please add or replace)']);
    expect(b.fileError?.foundHeaders).toEqual(['Account ID', 'Email']);
    expect(b.fileError?.message).toContain('Email Address (please add or replace)');
  });

  it('TOO_MANY_ROWS past MAX_UPLOAD_ROWS, and exactly the limit is accepted', async () => {
    const row = (i: number) => `${ids[i]},,,,,✗`;
    const ok = await uploadAndValidate(t.url, auth, [HEADER, ...[0, 1, 2, 3, 4].map(row)].join('\n'));
    expect(ok.status).toBe('VALIDATED');
    expect(ok.summary.totalRows).toBe(5);
    const b = await expectRejected([HEADER, ...[0, 1, 2, 3, 4, 5].map(row)].join('\n'), 'TOO_MANY_ROWS');
    expect(b.fileError?.message).toMatch(/split/i);
  });

  it('FILE_TOO_LARGE answers 413 and rejects the batch, by Content-Length or while streaming', async () => {
    const big = `${HEADER}\n${`${ids[0]},${'x'.repeat(100)},,,,✗\n`.repeat(60)}`;
    const { batch, uploadUrl } = await createBatch(t.url, auth);
    const res = await putFile(uploadUrl, auth, big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FILE_TOO_LARGE');
    const after = await getBatch(t.url, auth, batch.id);
    expect(after?.status).toBe('REJECTED');
    expect(after?.fileError?.code).toBe('FILE_TOO_LARGE');

    // No Content-Length: a chunked body is counted as it arrives.
    const second = await createBatch(t.url, auth);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(big.slice(i * 1000, (i + 1) * 1000)));
        controller.close();
      },
    });
    const streamed = await fetch(second.uploadUrl, {
      method: 'PUT',
      headers: { authorization: `Bearer ${auth.apiKey}` },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await waitForStatus(t.url, auth, second.batch.id, ['REJECTED'])).fileError?.code).toBe('FILE_TOO_LARGE');
  });

  it('MALFORMED_CSV with the line where the broken record starts', async () => {
    const b = await expectRejected(`${HEADER}\n${ids[0]},A,,,a@b.co,✗\n${ids[1]},"Broken,,,b@c.co,✗\n${ids[2]},C,,,,✗\n`, 'MALFORMED_CSV');
    expect(b.fileError?.line).toBe(3);
  });

  it('UNSUPPORTED_ENCODING for binary files', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    await expectRejected(png, 'UNSUPPORTED_ENCODING');
    await expectRejected(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]), 'UNSUPPORTED_ENCODING');
  });

  it('reads UTF-16LE, Windows-1252 and semicolon files', async () => {
    const text = `Account ID;Email Address (please add or replace)\r\n${ids[0]};new@example.com\r\n`;
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const a = await uploadAndValidate(t.url, auth, utf16);
    expect(a.status).toBe('VALIDATED');
    expect(a.summary.totalRows).toBe(1);
    const latin1 = Buffer.from(`Account ID,Business Name,Email Address (please add or replace)\n${ids[1]},Caf\xe9 Cr\xe8me,x@example.com\n`, 'latin1');
    const b = await uploadAndValidate(t.url, auth, latin1);
    expect(b.status).toBe('VALIDATED');
    const [row] = await allRows(t.url, auth, b.id);
    expect(row.newEmail).toBe('x@example.com');
  });
});
