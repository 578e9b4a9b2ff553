/**
 * Hand-built PDFs for the PDF loader tests: pages of Helvetica text with a correct xref table, optionally
 * encrypted with the standard security handler (revision 2, 40-bit RC4, PDF 1.7 §7.6.3 algorithms 2–4) so the
 * loader can be tested on a real password-protected file. MD5 comes from node:crypto; RC4 is written here.
 */

import { createHash } from 'node:crypto';

export interface PdfSpec {
  /** Each page is a list of lines drawn top to bottom. */
  pages: string[][];
  title?: string;
  /** Encrypt with this (non-empty) user password. */
  userPassword?: string;
}

const PASSWORD_PAD = Buffer.from('28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A', 'hex');

export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let n = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
const padPassword = (pw: string) => Buffer.concat([Buffer.from(pw, 'latin1'), PASSWORD_PAD]).subarray(0, 32);

interface Security {
  key: Buffer;
  dict: string;
  id: Buffer;
}

function standardSecurity(userPassword: string, ownerPassword: string): Security {
  const id = md5(Buffer.from('quiver-test-pdf'));
  const permissions = -4;
  const o = rc4(md5(padPassword(ownerPassword)).subarray(0, 5), padPassword(userPassword)); // algorithm 3
  const p = Buffer.alloc(4);
  p.writeInt32LE(permissions);
  const key = md5(padPassword(userPassword), o, p, id).subarray(0, 5); // algorithm 2
  const u = rc4(key, PASSWORD_PAD); // algorithm 4
  const dict = `<< /Filter /Standard /V 1 /R 2 /Length 40 /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P ${permissions} >>`;
  return { key, dict, id };
}

/** Algorithm 1: each object's strings and streams use md5(key + object number + generation), first n+5 bytes. */
function objectKey(key: Buffer, num: number): Buffer {
  const suffix = Buffer.from([num & 255, (num >> 8) & 255, (num >> 16) & 255, 0, 0]);
  return md5(key, suffix).subarray(0, Math.min(key.length + 5, 16));
}

const escapeString = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);

export function buildPdf(spec: PdfSpec): Uint8Array {
  const security = spec.userPassword ? standardSecurity(spec.userPassword, 'owner-secret') : undefined;
  const objects: Buffer[] = []; // objects[i] is object number i + 1
  const reserve = () => objects.push(Buffer.alloc(0));
  const set = (num: number, body: Buffer | string) => {
    objects[num - 1] = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  };
  const str = (num: number, text: string) => {
    const bytes = Buffer.from(text, 'latin1');
    return security ? `<${rc4(objectKey(security.key, num), bytes).toString('hex')}>` : `(${escapeString(text)})`;
  };
  const stream = (num: number, content: string) => {
    const plain = Buffer.from(content, 'latin1');
    const data = security ? rc4(objectKey(security.key, num), plain) : plain;
    return Buffer.concat([
      Buffer.from(`<< /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream'),
    ]);
  };

  reserve(); // 1 catalog
  reserve(); // 2 pages
  reserve(); // 3 font
  set(1, '<< /Type /Catalog /Pages 2 0 R >>');
  set(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const lines of spec.pages) {
    reserve();
    const pageNum = objects.length;
    reserve();
    const contentNum = objects.length;
    const ops = lines.map((line, i) => `${i === 0 ? '72 720 Td' : '0 -18 Td'} (${escapeString(line)}) Tj`);
    set(contentNum, stream(contentNum, `BT /F1 12 Tf ${ops.join(' ')} ET`));
    set(
      pageNum,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentNum} 0 R >>`,
    );
    kids.push(pageNum);
  }
  set(2, `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`);
  let trailerExtra = '';
  if (spec.title !== undefined) {
    reserve();
    const infoNum = objects.length;
    set(infoNum, `<< /Title ${str(infoNum, spec.title)} /Producer ${str(infoNum, 'quiver tests')} >>`);
    trailerExtra += ` /Info ${infoNum} 0 R`;
  }
  if (security) {
    reserve();
    const encryptNum = objects.length;
    set(encryptNum, security.dict); // the Encrypt dictionary's own strings are never encrypted
    const id = security.id.toString('hex');
    trailerExtra += ` /Encrypt ${encryptNum} 0 R /ID [<${id}> <${id}>]`;
  }

  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    chunks.push(obj);
    offset += obj.length;
  });
  // Every xref entry is exactly 20 bytes: 10-digit offset, space, 5-digit generation, space, type, CR LF.
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f\r\n'];
  for (const o of offsets) xref.push(`${String(o).padStart(10, '0')} 00000 n\r\n`);
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${trailerExtra} >>\nstartxref\n${offset}\n%%EOF\n`;
  chunks.push(Buffer.from(xref.join('') + trailer, 'latin1'));
  return new Uint8Array(Buffer.concat(chunks));
}
