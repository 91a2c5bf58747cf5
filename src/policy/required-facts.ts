import type { AdmissionImage, Authority, FactRequest, ImagePolicy, VerificationRequest } from '../core/index.js';
import { matchingPolicies } from './evaluate.js';
import { isPolicyImageRef, parsePolicyImageRef } from './reference.js';

/**
 * What the caller must find out about each image before `evaluate` can decide, so that the webhook does only the
 * work the matching policies need: reference rules need nothing, signatures need the digest and the listed
 * verifiers, attestations their predicate types, a vulnerability gate a scan or the SBOM attestation.
 */
const requestCache = new WeakMap<Authority, VerificationRequest>();

export function verificationRequest(a: Exclude<Authority, { type: 'static' }>): VerificationRequest {
  let r = requestCache.get(a);
  if (!r) requestCache.set(a, (r = buildVerificationRequest(a)));
  return r;
}

function buildVerificationRequest(a: Exclude<Authority, { type: 'static' }>): VerificationRequest {
  switch (a.type) {
    case 'key':
      return { id: `key:${a.keyId}`, type: 'key', key: a.key, keyId: a.keyId };
    case 'keyless':
      return { id: `keyless:${a.trustRootRef ?? 'public-good'}:${JSON.stringify(a.identities)}`, type: 'keyless', identities: a.identities, ...(a.trustRootRef ? { trustRootRef: a.trustRootRef } : {}) };
    case 'notation':
      return {
        id: `notation:${a.anchorIds.join(',')}:${a.level}:${a.trustedIdentities.join('|')}`,
        type: 'notation',
        trustStores: a.trustStores,
        ...(a.certs ? { certs: a.certs } : {}),
        anchorIds: a.anchorIds,
        trustedIdentities: a.trustedIdentities,
        level: a.level,
      };
  }
}

function addUnique(list: VerificationRequest[], v: VerificationRequest): void {
  if (!list.some((x) => x.id === v.id)) list.push(v);
}

const signers = (as: readonly Authority[]) => as.filter((a): a is Exclude<Authority, { type: 'static' }> => a.type !== 'static');

/**
 * One request per distinct image reference. Without `namespace`, policies are matched whatever their namespace
 * scope (a superset, for callers that do not know it yet).
 */
export function requiredFacts(
  policies: readonly ImagePolicy[],
  images: readonly (AdmissionImage | string)[],
  namespace?: { name?: string; labels?: Readonly<Record<string, string>> },
): FactRequest[] {
  const out = new Map<string, FactRequest>();
  for (const img of images) {
    const ref = typeof img === 'string' ? img : img.ref;
    if (out.has(ref)) continue;
    const parsed = parsePolicyImageRef(ref);
    if (!isPolicyImageRef(parsed)) continue;
    const matched = matchingPolicies(policies, ref, parsed, namespace ? { ...namespace } : { ignore: true });
    const req: FactRequest = { ref, resolveDigest: false, platformDigests: false, signatures: [], attestations: [], policies: matched.map((p) => p.name) };
    let needsScan = false;
    let needsSbom = false;
    const sbomVerifiers: VerificationRequest[] = [];
    for (const p of matched) {
      for (const a of signers(p.authorities.filter((x) => !x.attestationsOnly))) addUnique(req.signatures, verificationRequest(a));
      for (const att of p.attestations) {
        let entry = req.attestations.find((x) => ('predicateType' in x ? x.predicateType === att.predicateType : x.artifactType === att.artifactType));
        if (!entry) req.attestations.push((entry = att.predicateType !== undefined ? { predicateType: att.predicateType, verifiers: [] } : { artifactType: att.artifactType!, verifiers: [] }));
        for (const a of signers(p.authorities.filter((x) => att.authorities.length === 0 || att.authorities.includes(x.name)))) addUnique(entry.verifiers, verificationRequest(a));
      }
      if (p.vulnerabilities?.source === 'scan') needsScan = true;
      if (p.vulnerabilities?.source === 'sbom-attestation') {
        needsSbom = true;
        for (const a of signers(p.authorities)) addUnique(sbomVerifiers, verificationRequest(a));
      }
      if (p.signedManifest !== 'any' && p.authorities.some((a) => !a.attestationsOnly && a.type !== 'static')) req.platformDigests = true;
      if (p.mutateDigest && !parsed.digest) req.resolveDigest = true;
    }
    if (needsScan) req.vulnerabilities = { source: 'scan', verifiers: [] };
    else if (needsSbom) req.vulnerabilities = { source: 'sbom-attestation', verifiers: sbomVerifiers };
    if (req.signatures.length > 0 || req.attestations.length > 0 || req.vulnerabilities) req.resolveDigest = true;
    out.set(ref, req);
  }
  return [...out.values()];
}

/** True when the request asks for anything beyond the reference itself (a digest to pin to included). */
export function needsRegistry(r: FactRequest): boolean {
  return r.resolveDigest || needsVerification(r);
}

/** True when a rule can only be decided with verified registry facts (signatures, attestations, vulnerabilities). */
export function needsVerification(r: FactRequest): boolean {
  return r.signatures.length > 0 || r.attestations.length > 0 || r.vulnerabilities !== undefined;
}
