import { SignError } from '../core/index.js';
import type { ImageReference } from '../oci/index.js';
import { goMap, goMarshal, type GoJson } from './go-json.js';

/**
 * The "simple signing" payload cosign signs for an image (containers/image docs/containers-signature.5.md, as
 * sigstore/sigstore pkg/signature/payload/payload.go marshals it):
 *
 *   {"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":DIGEST},
 *    "type":"cosign container image signature"},"optional":ANNOTATIONS|null}
 */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, unknown> | null;
}

/**
 * The repository name as go-containerregistry's Repository.Name() writes it, which is what cosign puts in
 * `docker-reference`: Docker Hub is "index.docker.io" (see the payloads of Connaisseur's real signatures).
 */
export function dockerReferenceOf(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  const registry = ref.registry === 'docker.io' ? 'index.docker.io' : ref.registry;
  return `${registry}/${ref.repository}`;
}

/** The payload bytes, byte-identical to cosign's for the same input. */
export function buildSimpleSigningPayload(input: { dockerReference: string; digest: string; annotations?: Record<string, string> }): Buffer {
  const annotations = input.annotations && Object.keys(input.annotations).length > 0 ? input.annotations : undefined;
  const value: GoJson = {
    critical: {
      identity: { 'docker-reference': input.dockerReference },
      image: { 'docker-manifest-digest': input.digest },
      type: COSIGN_SIGNATURE_TYPE,
    },
    optional: annotations ? goMap(annotations) : null,
  };
  return Buffer.from(goMarshal(value), 'utf8');
}

function malformed(what: string, detail: string): SignError {
  return new SignError('PAYLOAD_MALFORMED', `${what}: ${detail}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Parses a payload. As Go's json.Unmarshal into SimpleContainerImage (what cosign's SimpleClaimVerifier does), absent
 * fields read as empty; fields of the wrong JSON type, or a payload that is not a JSON object, are malformed.
 */
export function parseSimpleSigningPayload(bytes: Buffer, what = 'signature payload'): SimpleSigningPayload {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw malformed(what, `not JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw malformed(what, 'not a JSON object');
  const critical = json.critical ?? {};
  if (!isObject(critical)) throw malformed(what, '"critical" is not an object');
  const identity = critical.identity ?? {};
  const image = critical.image ?? {};
  if (!isObject(identity)) throw malformed(what, '"critical.identity" is not an object');
  if (!isObject(image)) throw malformed(what, '"critical.image" is not an object');
  const str = (v: unknown, field: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw malformed(what, `"${field}" is not a string`);
    return v;
  };
  const optional = json.optional ?? null;
  if (optional !== null && !isObject(optional)) throw malformed(what, '"optional" is not an object');
  return {
    critical: {
      identity: { 'docker-reference': str(identity['docker-reference'], 'critical.identity.docker-reference') },
      image: { 'docker-manifest-digest': str(image['docker-manifest-digest'], 'critical.image.docker-manifest-digest') },
      type: str(critical.type, 'critical.type'),
    },
    optional,
  };
}

/** cosign's correctAnnotations: every wanted key is present with an equal (string) value. */
export function annotationsMatch(wanted: Record<string, string> | undefined, have: Record<string, unknown> | null | undefined): boolean {
  if (!wanted) return true;
  for (const [k, v] of Object.entries(wanted)) {
    if (!have || have[k] !== v) return false;
  }
  return true;
}
