import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ImageError } from '../core/index.js';

/** OCI digest grammar restricted to the registered algorithms (image-spec descriptor.md#digests). */
export const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): boolean {
  return DIGEST_PATTERN.test(s);
}

export function digestAlgorithm(digest: string): 'sha256' | 'sha512' {
  if (!DIGEST_PATTERN.test(digest)) throw new ImageError('MALFORMED_MANIFEST', `invalid digest ${JSON.stringify(digest)}`);
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function digestOf(bytes: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws DIGEST_MISMATCH unless `bytes` hash to `expected`. */
export function verifyBytes(bytes: Buffer, expected: string, what: string): void {
  const actual = digestOf(bytes, digestAlgorithm(expected));
  if (actual !== expected) {
    throw new ImageError('DIGEST_MISMATCH', `${what}: content digest ${actual} does not match the expected ${expected}`);
  }
}

/**
 * A pass-through stream that hashes what flows through and fails at the end when the digest (or the size) differs.
 * Consumers see the error before the stream ends, so a corrupted blob can never be mistaken for a complete one.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private bytes = 0;
  constructor(
    private readonly expected: string,
    private readonly what: string,
    private readonly expectedSize?: number,
  ) {
    super();
    this.hash = createHash(digestAlgorithm(expected));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      cb(new ImageError('SIZE_MISMATCH', `${this.what}: more than the ${this.expectedSize} bytes its descriptor declares`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      cb(new ImageError('SIZE_MISMATCH', `${this.what}: ${this.bytes} bytes but its descriptor declares ${this.expectedSize} (truncated?)`));
      return;
    }
    const actual = `${digestAlgorithm(this.expected)}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      cb(new ImageError('DIGEST_MISMATCH', `${this.what}: content digest ${actual} does not match the expected ${this.expected}`));
      return;
    }
    cb();
  }
}
