import { SignError, UsageError } from '../core/index.js';

/**
 * in-toto attestation Statements (in-toto/attestation spec/v1/statement.md) and cosign's predicate types.
 *
 * Tollgate writes Statement v1 (`_type` https://in-toto.io/Statement/v1; the layer is unchanged from v0.1, which
 * cosign's `attest` still writes) and reads both.
 */
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
/** predicateType of cosign v3's image signatures in Sigstore bundles (cosign pkg/types/predicate.go). */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
/** cosign's "custom" predicate (pkg/cosign/attestation CosignCustomProvenanceV01): {Data, Timestamp}. */
export const COSIGN_CUSTOM_PREDICATE_TYPE = 'https://cosign.sigstore.dev/attestation/v1';
export const COSIGN_VULN_PREDICATE_TYPE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** `--type` names and their predicate URIs, as cosign's options.PredicateTypeMap. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  custom: COSIGN_CUSTOM_PREDICATE_TYPE,
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  link: 'https://in-toto.io/Link/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: COSIGN_VULN_PREDICATE_TYPE,
  openvex: 'https://openvex.dev/ns',
};

/** A `--type` value as a predicate URI; anything else must be a URI (cosign: url.ParseRequestURI). */
export function predicateTypeUri(type: string): string {
  const known = PREDICATE_TYPES[type];
  if (known) return known;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(type) || /^\/\S*$/.test(type)) return type;
  throw new UsageError(
    'INVALID_ARGUMENT',
    `invalid predicate type ${JSON.stringify(type)}: use one of ${Object.keys(PREDICATE_TYPES).join(', ')} or a URI`,
  );
}

export interface StatementSubject {
  name?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

export interface InTotoStatement {
  _type: string;
  subject: StatementSubject[];
  predicateType: string;
  predicate: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** cosign's vuln predicate keeps exactly the fields of its CosignVulnPredicate struct, zero-valued when absent. */
function normaliseVulnPredicate(p: Record<string, unknown>, what: string): Record<string, unknown> {
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (v === undefined || v === null) return {};
    if (!isObject(v)) throw new SignError('PREDICATE_INVALID', `${what}: "${field}" must be an object`);
    return v;
  };
  const str = (v: unknown, field: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new SignError('PREDICATE_INVALID', `${what}: "${field}" must be a string`);
    return v;
  };
  const time = (v: unknown, field: string): string => {
    if (v === undefined || v === null) return ZERO_TIME;
    if (typeof v !== 'string' || !RFC3339.test(v)) throw new SignError('PREDICATE_INVALID', `${what}: "${field}" must be an RFC 3339 time`);
    return v;
  };
  const inv = obj(p.invocation, 'invocation');
  const sc = obj(p.scanner, 'scanner');
  const db = obj(sc.db, 'scanner.db');
  const md = obj(p.metadata, 'metadata');
  return {
    invocation: {
      parameters: inv.parameters ?? null,
      uri: str(inv.uri, 'invocation.uri'),
      event_id: str(inv.event_id, 'invocation.event_id'),
      'builder.id': str(inv['builder.id'], 'invocation.builder.id'),
    },
    scanner: {
      uri: str(sc.uri, 'scanner.uri'),
      version: str(sc.version, 'scanner.version'),
      db: { uri: str(db.uri, 'scanner.db.uri'), version: str(db.version, 'scanner.db.version') },
      result: sc.result ?? null,
    },
    metadata: { scanStartedOn: time(md.scanStartedOn, 'metadata.scanStartedOn'), scanFinishedOn: time(md.scanFinishedOn, 'metadata.scanFinishedOn') },
  };
}

/**
 * The predicate for `--type` and a predicate file, as cosign's attestation.GenerateStatement builds it: "custom"
 * wraps the file's text as {Data, Timestamp}; "spdx" (tag-value) keeps it as a string; every other type needs a JSON
 * object.
 */
export function buildPredicate(type: string, content: Buffer, options: { now?: Date; what?: string } = {}): unknown {
  const what = options.what ?? 'predicate';
  const uri = predicateTypeUri(type);
  if (uri === COSIGN_CUSTOM_PREDICATE_TYPE) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { Data: content.toString('utf8'), Timestamp: stamp };
  }
  if (type === 'spdx') return content.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (e) {
    throw new SignError('PREDICATE_INVALID', `${what} is not valid JSON (${(e as Error).message}); a ${type} predicate must be a JSON object`);
  }
  if (!isObject(json)) throw new SignError('PREDICATE_INVALID', `${what} must be a JSON object for predicate type ${type}`);
  return uri === COSIGN_VULN_PREDICATE_TYPE ? normaliseVulnPredicate(json, what) : json;
}

export function buildStatement(input: { predicateType: string; subjects: StatementSubject[]; predicate: unknown }): Buffer {
  const statement: InTotoStatement = {
    _type: STATEMENT_V1,
    subject: input.subjects.map((s) => ({
      ...(s.name !== undefined ? { name: s.name } : {}),
      digest: s.digest,
      ...(s.annotations !== undefined ? { annotations: s.annotations } : {}),
    })),
    predicateType: input.predicateType,
    predicate: input.predicate,
  };
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

/** Parses a Statement (v1 or v0.1); subjects without a digest map are malformed, as protojson would refuse them. */
export function parseStatement(bytes: Buffer, what = 'in-toto statement'): InTotoStatement {
  const bad = (detail: string) => new SignError('PAYLOAD_MALFORMED', `${what}: ${detail}`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw bad('not a JSON object');
  if (json._type !== STATEMENT_V1 && json._type !== STATEMENT_V01) throw bad(`unknown _type ${JSON.stringify(json._type)}`);
  if (!Array.isArray(json.subject)) throw bad('"subject" is not a list');
  const subject = json.subject.map((s, i): StatementSubject => {
    if (!isObject(s)) throw bad(`subject[${i}] is not an object`);
    if (!isObject(s.digest)) throw bad(`subject[${i}] has no digest`);
    const digest: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.digest)) {
      if (typeof v !== 'string') throw bad(`subject[${i}].digest.${k} is not a string`);
      digest[k] = v;
    }
    if (s.annotations !== undefined && !isObject(s.annotations)) throw bad(`subject[${i}].annotations is not an object`);
    return {
      ...(typeof s.name === 'string' ? { name: s.name } : {}),
      digest,
      ...(isObject(s.annotations) ? { annotations: s.annotations } : {}),
    };
  });
  if (typeof json.predicateType !== 'string') throw bad('"predicateType" is missing');
  return { _type: json._type, subject, predicateType: json.predicateType, predicate: json.predicate };
}

/** The subject naming `digest` ("sha256:<hex>"), as cosign's IntotoSubjectClaimVerifier looks for it. */
export function subjectFor(statement: InTotoStatement, digest: string): StatementSubject | undefined {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex) return undefined;
  return statement.subject.find((s) => s.digest[algorithm] === hex);
}
