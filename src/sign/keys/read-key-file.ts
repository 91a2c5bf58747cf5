import { open } from 'node:fs/promises';
import { SignError } from '../../core/index.js';

/** Key files, certificates and public keys are a few KiB; this bounds what a wrong path (/dev/zero, a tarball) costs. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

function reason(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return e.code ?? 'read error';
  }
}

/** Reads a key or certificate file: KEY_NOT_FOUND when it does not exist, KEY_UNAVAILABLE when it cannot be read. */
export async function readKeyFile(file: string, what: string = file): Promise<Buffer> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new SignError('KEY_NOT_FOUND', `${what}: no such file`);
    throw new SignError('KEY_UNAVAILABLE', `${what}: cannot read it (${reason(err)})`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new SignError('KEY_UNAVAILABLE', `${what}: is a directory, not a key file`);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > MAX_KEY_FILE_BYTES) throw new SignError('MALFORMED_KEY', `${what}: larger than ${MAX_KEY_FILE_BYTES} bytes, not a key file`);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof SignError) throw e;
    throw new SignError('KEY_UNAVAILABLE', `${what}: cannot read it (${reason(e as NodeJS.ErrnoException)})`);
  } finally {
    await fh.close();
  }
}
