import { createHash } from 'node:crypto';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { UsageError } from '../../core/index.js';
import type { DigestAlgorithm } from './prehashed-signature.js';

/** The artifact a bundle must be about: its bytes, or only its digest (digest-only verification). */
export type ArtifactRef = { kind: 'bytes'; bytes: Buffer } | { kind: 'digest'; algorithm: DigestAlgorithm; digest: Buffer };

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Parses `sha256:<hex>` (also sha384, sha512), the form cosign and OCI use. */
export function parseArtifactDigest(text: string): ArtifactRef {
  const m = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(text.trim());
  const algorithm = m?.[1] as DigestAlgorithm | undefined;
  if (!m || !algorithm || m[2]!.length !== HEX_LENGTH[algorithm]) {
    throw new UsageError('INVALID_ARGUMENT', `--digest must be sha256:<64 hex digits> (or sha384:/sha512:), got ${JSON.stringify(text)}`);
  }
  return { kind: 'digest', algorithm, digest: Buffer.from(m[2]!, 'hex') };
}

/** Node hash names of the protobuf-specs HashAlgorithm values (UNSPECIFIED is read as SHA2_256, as @sigstore/verify does). */
export function hashName(alg: HashAlgorithm): string | undefined {
  switch (alg) {
    case HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED:
    case HashAlgorithm.SHA2_256:
      return 'sha256';
    case HashAlgorithm.SHA2_384:
      return 'sha384';
    case HashAlgorithm.SHA2_512:
      return 'sha512';
    case HashAlgorithm.SHA3_256:
      return 'sha3-256';
    case HashAlgorithm.SHA3_384:
      return 'sha3-384';
    default:
      return undefined;
  }
}

export function digestOf(ref: ArtifactRef, algorithm: string): Buffer | undefined {
  if (ref.kind === 'bytes') return createHash(algorithm).update(ref.bytes).digest();
  return ref.algorithm === algorithm ? ref.digest : undefined;
}

export function describeArtifact(ref: ArtifactRef): string {
  return ref.kind === 'bytes' ? `sha256:${createHash('sha256').update(ref.bytes).digest('hex')}` : `${ref.algorithm}:${ref.digest.toString('hex')}`;
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface StatementSummary {
  type: string;
  predicateType: string;
  subjects: { name: string; digest: Record<string, string> }[];
}

/**
 * Reads an in-toto statement (v0.1 or v1) from a DSSE payload. Returns a reason string when the payload is not
 * a statement with subjects: the artifact can only be bound to a DSSE bundle through its statement's subjects.
 */
export function readStatement(payloadType: string, payload: Buffer): StatementSummary | string {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return `the DSSE payload type is ${JSON.stringify(payloadType)}, not an in-toto statement`;
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'the DSSE payload is not JSON';
  }
  const st = json as { _type?: unknown; predicateType?: unknown; subject?: unknown };
  if (!st || typeof st !== 'object' || !Array.isArray(st.subject)) return 'the in-toto statement has no subject list';
  const subjects: StatementSummary['subjects'] = [];
  for (const s of st.subject as unknown[]) {
    const subj = s as { name?: unknown; digest?: unknown };
    if (!subj || typeof subj !== 'object' || !subj.digest || typeof subj.digest !== 'object') continue;
    const digest: Record<string, string> = {};
    for (const [k, v] of Object.entries(subj.digest as Record<string, unknown>)) if (typeof v === 'string') digest[k] = v.toLowerCase();
    subjects.push({ name: typeof subj.name === 'string' ? subj.name : '', digest });
  }
  return {
    type: typeof st._type === 'string' ? st._type : '',
    predicateType: typeof st.predicateType === 'string' ? st.predicateType : '',
    subjects,
  };
}

/** in-toto digest-set names that are cryptographic hashes Node computes (https://github.com/in-toto/attestation/blob/main/spec/v1/digest_set.md). */
const SUBJECT_ALGORITHMS: Record<string, string> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

/** True when one subject of the statement names the artifact (any digest algorithm both sides know). */
export function subjectMatches(statement: StatementSummary, ref: ArtifactRef): boolean {
  const cache = new Map<string, string | undefined>();
  const ours = (alg: string) => {
    if (!cache.has(alg)) cache.set(alg, digestOf(ref, alg)?.toString('hex'));
    return cache.get(alg);
  };
  return statement.subjects.some((s) =>
    Object.entries(s.digest).some(([alg, hex]) => {
      const node = SUBJECT_ALGORITHMS[alg];
      return node !== undefined && ours(node) === hex;
    }),
  );
}
