/**
 * PEM (RFC 7468) as Go's encoding/pem reads and writes it, which is what cosign's key files are made of.
 * Decoding never puts any of the input in an error message: these bytes are private keys.
 */

export interface PemBlock {
  /** The label between `-----BEGIN ` and `-----`, e.g. "ENCRYPTED SIGSTORE PRIVATE KEY". */
  type: string;
  /** RFC 1421 headers (`Proc-Type: 4,ENCRYPTED` of legacy OpenSSL-encrypted keys); empty for cosign's files. */
  headers: Record<string, string>;
  bytes: Buffer;
}

const BEGIN = /^-----BEGIN ([^-\r\n]*)-----[ \t]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reason a PEM text could not be decoded (for a message that names the file, never the content). */
export type PemProblem = 'no PEM block' | 'a PEM block without its END line' | 'a PEM block whose body is not base64';

/**
 * Every PEM block of `text`, in order (text between blocks is ignored, as Go's pem.Decode skips it).
 * Returns the problem of the first broken block instead of throwing, so callers raise their own typed error.
 */
export function decodePemBlocks(text: string): { blocks: PemBlock[]; problem?: PemProblem } {
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN.exec(lines[i]!.trimEnd());
    if (!begin) continue;
    const type = begin[1]!;
    const end = `-----END ${type}-----`;
    const headers: Record<string, string> = {};
    const body: string[] = [];
    let j = i + 1;
    let inHeaders = true;
    for (; j < lines.length; j++) {
      const line = lines[j]!.trim();
      if (line === end) break;
      if (inHeaders) {
        const colon = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (colon) {
          headers[colon[1]!] = colon[2]!;
          continue;
        }
        inHeaders = false;
        if (line === '') continue;
      }
      body.push(line);
    }
    if (j >= lines.length) return { blocks, problem: 'a PEM block without its END line' };
    const b64 = body.join('');
    if (!BASE64.test(b64) || b64.length % 4 !== 0) return { blocks, problem: 'a PEM block whose body is not base64' };
    blocks.push({ type, headers, bytes: Buffer.from(b64, 'base64') });
    i = j;
  }
  return blocks.length ? { blocks } : { blocks, problem: 'no PEM block' };
}

/** Go's pem.EncodeToMemory: 64-character base64 lines, a final newline. */
export function encodePem(type: string, bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${type}-----\n${lines.length ? `${lines.join('\n')}\n` : ''}-----END ${type}-----\n`;
}
