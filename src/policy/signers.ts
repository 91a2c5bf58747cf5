import type { Authority, ImageFacts, KeylessIdentity, SignatureFact, SignerFact } from '../core/index.js';
import { re2Search } from './regexp.js';

/**
 * Which authority a verified signature (or attestation) satisfies. The verifier only establishes facts (this key,
 * this certificate identity, this trust anchor); whether those are the ones a policy trusts is decided here, so the
 * same facts can serve every policy and be cached once per image.
 */

export function identityMatches(id: KeylessIdentity, subject: string, issuer: string): boolean {
  // cosign (pkg/cosign/verify.go validateCertIdentity) matches the regexps unanchored; so do we.
  const issuerOk = id.issuer !== undefined ? issuer === id.issuer : id.issuerRegExp !== undefined && re2Search(id.issuerRegExp, issuer);
  const subjectOk = id.subject !== undefined ? subject === id.subject : id.subjectRegExp !== undefined && re2Search(id.subjectRegExp, subject);
  return issuerOk && subjectOk;
}

/** RDNs of a distinguished name ("CN=a, O=b\, c") as attribute → value, attribute names upper-cased. */
export function parseDistinguishedName(dn: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\' && i + 1 < dn.length) {
      cur += dn[++i];
    } else if (c === ',' || c === '+') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) return undefined;
    out.set(p.slice(0, eq).trim().toUpperCase(), p.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Notation's trusted identities: `*`, or `x509.subject: <DN>` whose attributes must all be present with the same
 * values in the leaf certificate's subject (notation-go verifier/trustpolicy isSubsetDN).
 */
export function notationIdentityMatches(trusted: string, subject: string | undefined): boolean {
  if (trusted === '*') return true;
  if (subject === undefined) return false;
  const want = parseDistinguishedName(trusted.replace(/^x509\.subject:\s*/, ''));
  const have = parseDistinguishedName(subject);
  if (!want || !have) return false;
  for (const [k, v] of want) if (have.get(k) !== v) return false;
  return true;
}

export type SignerCheck = { ok: true } | { ok: false; why?: string };

/**
 * Whether `signer` is `authority`. `now` is when trust is checked for keys without a trusted signing time; a
 * signature with one (transparency log, RFC 3161) is checked at that time instead, so a rotated-out key still
 * vouches for what it signed while it was valid.
 */
export function signerMatches(authority: Authority, signer: SignerFact & { kind?: SignatureFact['kind']; annotations?: Record<string, string> }, now: Date, opts: { checkAnnotations?: boolean } = {}): SignerCheck {
  switch (authority.type) {
    case 'static':
      return { ok: authority.action === 'pass' };
    case 'key': {
      if (signer.kind === 'notation' || signer.keyId !== authority.keyId) return { ok: false };
      const at = signer.signedAt ? new Date(signer.signedAt) : now;
      if ((authority.validFrom && at < new Date(authority.validFrom)) || (authority.validUntil && at > new Date(authority.validUntil))) {
        return {
          ok: false,
          why: `signed by key ${authority.name}, which is trusted only ${authority.validFrom ?? '-∞'} .. ${authority.validUntil ?? '∞'} (${signer.signedAt ? `signed at ${signer.signedAt}` : `no trusted signing time; checked at ${now.toISOString()}`})`,
        };
      }
      break;
    }
    case 'keyless': {
      if (signer.kind === 'notation' || signer.subject === undefined || signer.issuer === undefined || signer.keyId !== undefined) return { ok: false };
      if (authority.trustRootRef !== undefined && signer.trustRoot !== authority.trustRootRef) return { ok: false };
      if (!authority.identities.some((id) => identityMatches(id, signer.subject!, signer.issuer!))) {
        return { ok: false, why: `keyless signature by ${signer.subject} (issuer ${signer.issuer}) is not an identity of ${authority.name}` };
      }
      break;
    }
    case 'notation': {
      if (signer.kind === 'cosign' || signer.keyId === undefined || !authority.anchorIds.includes(signer.keyId)) return { ok: false };
      if (!authority.trustedIdentities.some((t) => notationIdentityMatches(t, signer.subject))) {
        return { ok: false, why: `notation signature by ${signer.subject ?? '(no subject)'} is not a trusted identity of ${authority.name}` };
      }
      break;
    }
  }
  if (opts.checkAnnotations && authority.annotations) {
    for (const [k, v] of Object.entries(authority.annotations)) {
      if (signer.annotations?.[k] !== v) return { ok: false, why: `signature by ${authority.name} lacks annotation ${k}=${v}` };
    }
  }
  return { ok: true };
}

/** Signatures on the manifest a policy asks for (see ImagePolicy.signedManifest). */
export function signaturesInScope(scope: 'index' | 'platform' | 'any', facts: ImageFacts): SignatureFact[] {
  if (scope === 'any') return facts.signatures;
  const platforms = Object.values(facts.platformDigests ?? {});
  const multi = platforms.length > 0;
  return facts.signatures.filter((s) => {
    if (!multi) return s.digest === undefined || facts.resolvedDigest === undefined || s.digest === facts.resolvedDigest;
    if (s.digest === undefined) return false;
    return scope === 'index' ? s.digest === facts.resolvedDigest : platforms.includes(s.digest);
  });
}

/**
 * The largest set of (authority, signature) pairs with each authority and each signature used at most once
 * (augmenting paths, Kuhn's algorithm): `count` asks for N distinct authorities, and one signature must never count
 * for two of them. `edges[a]` lists the signatures authority `a` accepts; -1 stands for "needs no signature".
 */
export function maxMatching(edges: readonly number[][]): Map<number, number> {
  const sigOwner = new Map<number, number>();
  const assigned = new Map<number, number>();
  const tryAssign = (a: number, seen: Set<number>): boolean => {
    for (const s of edges[a] ?? []) {
      if (s === -1) {
        assigned.set(a, -1);
        return true;
      }
      if (seen.has(s)) continue;
      seen.add(s);
      const owner = sigOwner.get(s);
      if (owner === undefined || tryAssign(owner, seen)) {
        sigOwner.set(s, a);
        assigned.set(a, s);
        return true;
      }
    }
    return false;
  };
  for (let a = 0; a < edges.length; a++) tryAssign(a, new Set());
  return assigned;
}
