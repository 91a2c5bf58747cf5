import type { Package } from '../core/index.js';

/** A digest of the package's artifact (jar, npm tarball, .crate, .nupkg), as hex. */
export interface PackageHash {
  alg: 'SHA-1' | 'SHA-256' | 'SHA-512';
  hex: string;
}

const HEX_LENGTH: Record<PackageHash['alg'], number> = { 'SHA-1': 40, 'SHA-256': 64, 'SHA-512': 128 };
const SRI_ALG: Record<string, PackageHash['alg']> = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' };

function hex(alg: PackageHash['alg'], value: string): PackageHash | undefined {
  const v = value.toLowerCase();
  return v.length === HEX_LENGTH[alg] && /^[0-9a-f]+$/.test(v) ? { alg, hex: v } : undefined;
}

function base64(alg: PackageHash['alg'], value: string): PackageHash | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  return hex(alg, Buffer.from(value, 'base64').toString('hex'));
}

/**
 * Subresource Integrity strings as npm lockfiles write them ("sha512-<base64>", several separated by spaces,
 * https://www.w3.org/TR/SRI/#the-integrity-attribute); options after "?" are ignored.
 */
function sri(value: string): PackageHash[] {
  const out: PackageHash[] = [];
  for (const token of value.trim().split(/\s+/)) {
    const dash = token.indexOf('-');
    const alg = SRI_ALG[token.slice(0, dash).toLowerCase()];
    if (dash <= 0 || alg === undefined) continue;
    const h = base64(alg, token.slice(dash + 1).split('?')[0] ?? '');
    if (h !== undefined) out.push(h);
  }
  return out;
}

/**
 * The artifact digests a package's metadata records, in the form both SBOM formats accept (hex of the right
 * length; anything malformed is left out rather than written invalid). Go's "h1:" sums hash a file tree, not an
 * artifact, so they are not hashes in this sense.
 */
export function packageHashes(pkg: Package): PackageHash[] {
  const m = pkg.metadata;
  if (m === undefined) return [];
  let found: (PackageHash | undefined)[] = [];
  switch (m.kind) {
    case 'java':
      found = [m.sha1 !== undefined ? hex('SHA-1', m.sha1) : undefined];
      break;
    case 'npm':
      found = m.integrity !== undefined ? sri(m.integrity) : [];
      break;
    case 'cargo':
      // Cargo.lock / cargo auditable `checksum`: SHA-256 of the .crate file, hex.
      found = [m.checksum !== undefined ? hex('SHA-256', m.checksum) : undefined];
      break;
    case 'nuget':
      // deps.json `sha512` (prefixed "sha512-") or packages.lock.json `contentHash`: base64 SHA-512 of the .nupkg.
      found = m.sha512 === undefined ? [] : m.sha512.startsWith('sha512-') ? sri(m.sha512) : [base64('SHA-512', m.sha512)];
      break;
    default:
      break;
  }
  const out: PackageHash[] = [];
  for (const h of found) if (h !== undefined && !out.some((o) => o.alg === h.alg)) out.push(h);
  return out;
}
