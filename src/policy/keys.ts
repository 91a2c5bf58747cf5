import { createHash, createPublicKey, X509Certificate } from 'node:crypto';

/**
 * Stable names for trust material, so that a verifier can say which key or anchor verified a signature and the
 * policy can tell which authority that satisfies: the SHA-256 of the key's SubjectPublicKeyInfo DER (the same key
 * in any PEM spelling gets the same id), and of each certificate's DER.
 */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function pemBlocks(pem: string): { label: string; text: string }[] {
  return [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, text: m[0] }));
}

/** `sha256:<hex>` of the public key in a PEM `PUBLIC KEY` block; a reason when there is not exactly one valid key. */
export function publicKeyId(pem: string): string | { error: string } {
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) return { error: 'expected a PEM public key (-----BEGIN PUBLIC KEY-----)' };
  if (blocks.length > 1) return { error: `expected one PEM public key, found ${blocks.length} PEM blocks: give each key its own authority` };
  const b = blocks[0]!;
  if (b.label !== 'PUBLIC KEY' && b.label !== 'RSA PUBLIC KEY' && b.label !== 'EC PUBLIC KEY') {
    return { error: `expected a PEM public key, found a ${JSON.stringify(b.label)} block` };
  }
  try {
    const der = createPublicKey(b.text).export({ type: 'spki', format: 'der' });
    return `sha256:${createHash('sha256').update(der).digest('hex')}`;
  } catch (e) {
    return { error: `the public key cannot be read: ${(e as Error).message}` };
  }
}

/** `sha256:<hex>` of each certificate's DER in a PEM bundle; a reason when there is none or one is malformed. */
export function certificateIds(pem: string): string[] | { error: string } {
  const blocks = pemBlocks(pem).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) return { error: 'expected one or more PEM certificates (-----BEGIN CERTIFICATE-----)' };
  const ids: string[] = [];
  for (const [i, b] of blocks.entries()) {
    try {
      ids.push(`sha256:${createHash('sha256').update(new X509Certificate(b.text).raw).digest('hex')}`);
    } catch (e) {
      return { error: `certificate ${i + 1} cannot be read: ${(e as Error).message}` };
    }
  }
  return ids;
}
