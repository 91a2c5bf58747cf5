import { constants, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { decode as cborDecode, encode as cborEncode, Tagged } from 'cborg';
import { algorithmOfKey, CertificateError, isNotaryAlgorithm, parseCertificate, validateCodeSigningChain, type Certificate, type NotaryAlgorithm } from './certificates.js';

/**
 * Notary Project signature envelopes (signature-specification.md, signature-envelope-jws.md,
 * signature-envelope-cose.md; notation-core-go signature/jws and signature/cose): decoding both forms into one
 * shape, checking their protected headers, and the primitive signature.
 */
export const JWS_MEDIA_TYPE = 'application/jose+json';
export const COSE_MEDIA_TYPE = 'application/cose';
export const PAYLOAD_CONTENT_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
export const SCHEME_X509 = 'notary.x509';
export const SCHEME_SIGNING_AUTHORITY = 'notary.x509.signingAuthority';
export type SigningScheme = typeof SCHEME_X509 | typeof SCHEME_SIGNING_AUTHORITY;
export type EnvelopeType = 'jws' | 'cose';

const H = {
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  timestampSignature: 'io.cncf.notary.timestampSignature',
  signingAgent: 'io.cncf.notary.signingAgent',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  verificationPluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
} as const;
export const HEADERS = H;

/** Why an envelope could not be read or is not a valid Notary Project envelope (integrity fails). */
export class EnvelopeError extends Error {
  constructor(
    readonly kind: 'malformed' | 'signature' | 'certificate',
    message: string,
  ) {
    super(message);
  }
}

export interface ExtendedAttribute {
  key: string | number;
  critical: boolean;
  value: unknown;
}

export interface Envelope {
  type: EnvelopeType;
  mediaType: string;
  algorithm: NotaryAlgorithm;
  contentType: string;
  payload: Buffer;
  signingScheme: SigningScheme;
  /** io.cncf.notary.signingTime (notary.x509, unauthenticated) or io.cncf.notary.authenticSigningTime. */
  signingTime: Date;
  expiry?: Date;
  extendedAttributes: ExtendedAttribute[];
  certChain: Certificate[];
  signature: Buffer;
  /** The bytes the signature covers (JWS signing input, or the COSE Sig_structure). */
  signedBytes: Buffer;
  /** RFC 3161 TimeStampToken over `signature`, unverified. */
  timestampToken?: Buffer;
  signingAgent?: string;
}

const JWS_ALGS = new Set(['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']);
const COSE_ALGS: Record<number, NotaryAlgorithm> = { [-37]: 'PS256', [-38]: 'PS384', [-39]: 'PS512', [-7]: 'ES256', [-35]: 'ES384', [-36]: 'ES512' };
export const COSE_ALG_IDS: Record<NotaryAlgorithm, number> = { PS256: -37, PS384: -38, PS512: -39, ES256: -7, ES384: -35, ES512: -36 };

function malformed(message: string): EnvelopeError {
  return new EnvelopeError('malformed', message);
}

// ------------------------------------------------------------------ JWS

const B64URL = /^[A-Za-z0-9_-]*$/;
function b64url(s: unknown, what: string): Buffer {
  if (typeof s !== 'string' || !B64URL.test(s)) throw malformed(`${what} is not base64url`);
  return Buffer.from(s, 'base64url');
}

/** Go's time.Time JSON form: RFC 3339 with optional fraction and a zone. */
function rfc3339(v: unknown, what: string): Date {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) throw malformed(`${what} is not an RFC 3339 time`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw malformed(`${what} is not a valid time`);
  return d;
}

const JWS_KNOWN = new Set(['alg', 'cty', 'crit', H.expiry, H.signingTime, H.signingScheme, H.authenticSigningTime]);

function decodeJws(bytes: Buffer): Envelope {
  let env: { payload?: unknown; protected?: unknown; header?: unknown; signature?: unknown };
  try {
    env = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed('the JWS envelope is not JSON');
  }
  if (!env || typeof env !== 'object' || Array.isArray(env)) throw malformed('the JWS envelope is not a JSON object');
  if (typeof env.protected !== 'string' || typeof env.payload !== 'string' || typeof env.signature !== 'string') {
    throw malformed('the JWS envelope needs payload, protected and signature (flattened JSON serialization)');
  }
  let ph: Record<string, unknown>;
  try {
    ph = JSON.parse(b64url(env.protected, 'protected header').toString('utf8'));
  } catch (e) {
    if (e instanceof EnvelopeError) throw e;
    throw malformed('jws envelope protected header can\'t be decoded');
  }
  if (!ph || typeof ph !== 'object' || Array.isArray(ph)) throw malformed('the protected header is not a JSON object');
  const header = (env.header ?? {}) as Record<string, unknown>;
  if (typeof header !== 'object' || Array.isArray(header)) throw malformed('the unprotected header is not a JSON object');
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) throw malformed('certificate chain is not present');
  const certChain = x5c.map((c, i) => {
    if (typeof c !== 'string') throw malformed(`x5c[${i}] is not a string`);
    return parseCert(Buffer.from(c, 'base64'), `x5c[${i}]`);
  });
  const alg = ph.alg;
  if (typeof alg !== 'string' || !JWS_ALGS.has(alg)) throw malformed(`signature algorithm ${JSON.stringify(alg)} is not supported`);
  const crit = ph.crit;
  if (crit !== undefined && (!Array.isArray(crit) || crit.some((c) => typeof c !== 'string'))) throw malformed('"crit" is not a list of strings');
  const scheme = ph[H.signingScheme];
  const st = ph[H.signingTime] !== undefined ? rfc3339(ph[H.signingTime], H.signingTime) : undefined;
  const ast = ph[H.authenticSigningTime] !== undefined ? rfc3339(ph[H.authenticSigningTime], H.authenticSigningTime) : undefined;
  const expiry = ph[H.expiry] !== undefined ? rfc3339(ph[H.expiry], H.expiry) : undefined;
  const extendedAttributes: ExtendedAttribute[] = Object.entries(ph)
    .filter(([k]) => !JWS_KNOWN.has(k))
    .map(([key, value]) => ({ key, value, critical: (crit as string[] | undefined)?.includes(key) ?? false }));
  const signingScheme = checkScheme(scheme, st, ast);
  // notation-core-go jws validateCriticalHeaders: "crit" lists the required headers, and any other entry must be
  // an extended attribute that is present.
  const critList = (crit as string[] | undefined) ?? [];
  if (critList.length === 0) throw malformed('missing "crit" header');
  const must = new Set<string>([H.signingScheme]);
  if (expiry) must.add(H.expiry);
  if (signingScheme === SCHEME_SIGNING_AUTHORITY) must.add(H.authenticSigningTime);
  for (const c of critList) {
    if (must.delete(c)) continue;
    if (!(c in ph) || JWS_KNOWN.has(c)) throw malformed(`${JSON.stringify(c)} header is marked critical but not present`);
  }
  if (must.size) throw malformed(`these required headers are not marked as critical: ${[...must].join(', ')}`);
  const signature = b64url(env.signature, 'signature');
  if (signature.length === 0) throw malformed('signature missing in jws-json envelope');
  const ts = header[H.timestampSignature];
  if (ts !== undefined && typeof ts !== 'string') throw malformed(`${H.timestampSignature} is not a base64 string`);
  const payload = b64url(env.payload, 'payload');
  return {
    type: 'jws',
    mediaType: JWS_MEDIA_TYPE,
    algorithm: alg as NotaryAlgorithm,
    contentType: typeof ph.cty === 'string' ? ph.cty : '',
    payload,
    signingScheme,
    signingTime: (signingScheme === SCHEME_X509 ? st : ast)!,
    ...(expiry ? { expiry } : {}),
    extendedAttributes,
    certChain,
    signature,
    signedBytes: Buffer.from(`${env.protected}.${env.payload}`, 'ascii'),
    ...(typeof ts === 'string' && ts.length ? { timestampToken: Buffer.from(ts, 'base64') } : {}),
    ...(typeof header[H.signingAgent] === 'string' ? { signingAgent: header[H.signingAgent] as string } : {}),
  };
}

function checkScheme(scheme: unknown, signingTime: Date | undefined, authenticSigningTime: Date | undefined): SigningScheme {
  if (scheme === SCHEME_X509) {
    if (authenticSigningTime) throw malformed(`"${H.authenticSigningTime}" header must not be present for ${SCHEME_X509} signing scheme`);
    if (!signingTime) throw malformed('signing-time not present');
    return SCHEME_X509;
  }
  if (scheme === SCHEME_SIGNING_AUTHORITY) {
    if (signingTime) throw malformed(`"${H.signingTime}" header must not be present for ${SCHEME_SIGNING_AUTHORITY} signing scheme`);
    if (!authenticSigningTime) throw malformed(`"${H.authenticSigningTime}" header must be present for ${SCHEME_SIGNING_AUTHORITY} signing scheme`);
    return SCHEME_SIGNING_AUTHORITY;
  }
  throw malformed(`unsupported signing scheme ${JSON.stringify(scheme)}`);
}

function parseCert(der: Buffer, what: string): Certificate {
  try {
    return parseCertificate(der, what);
  } catch (e) {
    throw malformed((e as CertificateError).message);
  }
}

// ------------------------------------------------------------------ COSE

/** A CBOR tag 1 (epoch-based date/time) value, kept apart from plain numbers: Notation requires the tag. */
class EpochTime {
  constructor(readonly seconds: number) {}
}

function cbor(bytes: Uint8Array, what: string, tags: Record<number, (inner: () => unknown) => unknown>): unknown {
  try {
    return cborDecode(bytes, { useMaps: true, rejectDuplicateMapKeys: true, tags: tags as never });
  } catch (e) {
    throw malformed(`${what} is not valid CBOR (${(e as Error).message})`);
  }
}

function coseTime(v: unknown, label: string): Date {
  if (!(v instanceof EpochTime)) throw malformed(`${label}: only Tag 1 Datetime CBOR objects are supported`);
  if (typeof v.seconds !== 'number' || !Number.isFinite(v.seconds)) throw malformed(`${label} is not a number of seconds`);
  return new Date(v.seconds * 1000);
}

const COSE_KNOWN = new Set<unknown>([1, 2, 3, H.expiry, H.signingScheme, H.signingTime, H.authenticSigningTime]);

/** The COSE Sig_structure for COSE_Sign1 (RFC 9052 4.4) with empty external AAD. */
export function coseSigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Buffer {
  return Buffer.from(cborEncode(['Signature1', protectedBytes, new Uint8Array(0), payload]));
}

function decodeCose(bytes: Buffer): Envelope {
  const top = cbor(bytes, 'the COSE envelope', { 18: (inner) => ({ sign1: inner() }) }) as { sign1?: unknown };
  if (!top || typeof top !== 'object' || !('sign1' in top)) throw malformed('the COSE envelope is not a tagged COSE_Sign1 message (CBOR tag 18)');
  const msg = top.sign1;
  if (!Array.isArray(msg) || msg.length !== 4) throw malformed('COSE_Sign1 must be an array of 4 elements');
  const [protectedBytes, unprotected, payload, signature] = msg as [unknown, unknown, unknown, unknown];
  if (!(protectedBytes instanceof Uint8Array)) throw malformed('the COSE protected header is not a byte string');
  if (!(unprotected instanceof Map)) throw malformed('the COSE unprotected header is not a map');
  if (!(payload instanceof Uint8Array)) throw malformed('the COSE payload is missing (detached payloads are not supported)');
  if (!(signature instanceof Uint8Array) || signature.length === 0) throw malformed('signature missing in COSE envelope');
  const ph = protectedBytes.length ? cbor(protectedBytes, 'the COSE protected header', { 1: (inner) => new EpochTime(inner() as number) }) : new Map();
  if (!(ph instanceof Map)) throw malformed('the COSE protected header is not a map');
  const algId = ph.get(1);
  const alg = typeof algId === 'number' ? COSE_ALGS[algId] : undefined;
  if (!alg) throw malformed(`signature algorithm ${String(algId)} is not supported`);
  const cty = ph.get(3);
  if (typeof cty !== 'string') throw malformed(cty === undefined ? 'missing content type' : "content type should be of 'tstr' type");
  // go-cose ProtectedHeader.Critical: a non-empty list of labels, each present in the protected header.
  const crit = ph.get(2);
  if (!Array.isArray(crit) || crit.length === 0) throw malformed('missing critical headers');
  for (const c of crit) {
    if (typeof c !== 'string' && typeof c !== 'number') throw malformed('critical header labels must be integers or strings');
    if (!ph.has(c)) throw malformed(`critical header ${JSON.stringify(c)} is missing from the protected header`);
  }
  const scheme = ph.get(H.signingScheme);
  if (typeof scheme !== 'string') throw malformed('invalid signingScheme');
  const must = new Set<unknown>([H.signingScheme]);
  if (scheme === SCHEME_SIGNING_AUTHORITY) must.add(H.authenticSigningTime);
  if (ph.has(H.expiry)) must.add(H.expiry);
  for (const c of crit) must.delete(c);
  if (must.size) throw malformed(`these required headers are not marked as critical: ${[...must].join(', ')}`);
  const st = ph.has(H.signingTime) ? coseTime(ph.get(H.signingTime), H.signingTime) : undefined;
  const ast = ph.has(H.authenticSigningTime) ? coseTime(ph.get(H.authenticSigningTime), H.authenticSigningTime) : undefined;
  const signingScheme = checkScheme(scheme, st, ast);
  const expiry = ph.has(H.expiry) ? coseTime(ph.get(H.expiry), H.expiry) : undefined;
  const extendedAttributes: ExtendedAttribute[] = [...ph.entries()]
    .filter(([k]) => !COSE_KNOWN.has(k))
    .map(([key, value]) => ({ key: key as string | number, value, critical: crit.includes(key) }));
  const x5chain = unprotected.get(33);
  if (!Array.isArray(x5chain) || x5chain.length === 0) throw malformed('certificate chain is not present');
  const certChain = x5chain.map((c, i) => {
    if (!(c instanceof Uint8Array)) throw malformed('certificate chain is not present');
    return parseCert(Buffer.from(c), `x5chain[${i}]`);
  });
  const ts = unprotected.get(H.timestampSignature);
  const agent = unprotected.get(H.signingAgent);
  return {
    type: 'cose',
    mediaType: COSE_MEDIA_TYPE,
    algorithm: alg,
    contentType: cty,
    payload: Buffer.from(payload),
    signingScheme,
    signingTime: (signingScheme === SCHEME_X509 ? st : ast)!,
    ...(expiry ? { expiry } : {}),
    extendedAttributes,
    certChain,
    signature: Buffer.from(signature),
    signedBytes: coseSigStructure(protectedBytes, payload),
    ...(ts instanceof Uint8Array && ts.length ? { timestampToken: Buffer.from(ts) } : {}),
    ...(typeof agent === 'string' ? { signingAgent: agent } : {}),
  };
}

// ------------------------------------------------------------------ both

/**
 * Decodes an envelope by its media type and checks what notation-core-go's Envelope.Content/Verify check before
 * trusting anything: the protected headers, signing/expiry times, content type, and the certificate chain's shape
 * (code-signing requirements, leaf key matching the algorithm). Throws EnvelopeError.
 */
export function decodeEnvelope(bytes: Buffer, mediaType: string): Envelope {
  let env: Envelope;
  if (mediaType === JWS_MEDIA_TYPE) env = decodeJws(bytes);
  else if (mediaType === COSE_MEDIA_TYPE) env = decodeCose(bytes);
  else throw malformed(`signature envelope type ${JSON.stringify(mediaType)} is not supported (application/jose+json or application/cose)`);
  if (env.expiry && env.expiry.getTime() <= env.signingTime.getTime()) throw malformed('expiry cannot be equal or before the signing time');
  if (env.payload.length === 0) throw malformed('payload content not present');
  const chainProblem = validateCodeSigningChain(env.certChain);
  if (chainProblem) throw new EnvelopeError('certificate', `certificate-chain is invalid, ${chainProblem}`);
  const keyAlg = algorithmOfKey(env.certChain[0]!.node.publicKey);
  if (!isNotaryAlgorithm(keyAlg)) throw new EnvelopeError('certificate', keyAlg);
  if (keyAlg !== env.algorithm) {
    throw new EnvelopeError('certificate', `mismatch between signature algorithm derived from signing certificate (${keyAlg}) and signing algorithm specified (${env.algorithm})`);
  }
  return env;
}

export function hashOf(alg: NotaryAlgorithm): 'sha256' | 'sha384' | 'sha512' {
  return alg.endsWith('256') ? 'sha256' : alg.endsWith('384') ? 'sha384' : 'sha512';
}

/**
 * The primitive signature over `signedBytes` with the leaf key: RSASSA-PSS (JWS: any salt length, as golang-jwt
 * verifies; COSE: salt = hash length, as go-cose) or ECDSA with an IEEE P1363 (r || s) signature.
 */
export function checkPrimitiveSignature(env: Envelope): boolean {
  const key = env.certChain[0]!.node.publicKey;
  const hash = hashOf(env.algorithm);
  try {
    if (env.algorithm.startsWith('PS')) {
      const saltLength = env.type === 'jws' ? constants.RSA_PSS_SALTLEN_AUTO : constants.RSA_PSS_SALTLEN_DIGEST;
      return cryptoVerify(hash, env.signedBytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, env.signature);
    }
    return cryptoVerify(hash, env.signedBytes, { key, dsaEncoding: 'ieee-p1363' }, env.signature);
  } catch {
    return false;
  }
}

export function primitiveSign(alg: NotaryAlgorithm, key: KeyObject, data: Buffer): Buffer {
  const hash = hashOf(alg);
  if (alg.startsWith('PS')) return cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  return cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
}

// ------------------------------------------------------------------ building

export interface EnvelopeInput {
  type: EnvelopeType;
  algorithm: NotaryAlgorithm;
  key: KeyObject;
  certChain: Buffer[];
  payload: Buffer;
  signingTime: Date;
  expiry?: Date;
  signingAgent?: string;
}

/** Whole seconds, as notation-core-go truncates signing time and expiry before signing. */
function truncate(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/** RFC 3339 in the signer's zone offset as Go marshals time.Time; Tollgate signs in UTC. */
function rfc3339Utc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds and signs a notary.x509 envelope (JWS flattened JSON, or COSE_Sign1 tagged), as notation-core-go Sign. */
export function buildEnvelope(input: EnvelopeInput): Buffer {
  const signingTime = truncate(input.signingTime);
  const expiry = input.expiry ? truncate(input.expiry) : undefined;
  if (input.type === 'jws') {
    const crit = [H.signingScheme, ...(expiry ? [H.expiry] : [])];
    // Field order as notation-core-go marshals its jwsProtectedHeader (then a map, so keys come out sorted).
    const ph: Record<string, unknown> = {
      alg: input.algorithm,
      crit,
      cty: PAYLOAD_CONTENT_TYPE,
      ...(expiry ? { [H.expiry]: rfc3339Utc(expiry) } : {}),
      [H.signingScheme]: SCHEME_X509,
      [H.signingTime]: rfc3339Utc(signingTime),
    };
    const protectedB64 = Buffer.from(JSON.stringify(ph)).toString('base64url');
    const payloadB64 = input.payload.toString('base64url');
    const sig = primitiveSign(input.algorithm, input.key, Buffer.from(`${protectedB64}.${payloadB64}`, 'ascii'));
    const env = {
      payload: payloadB64,
      protected: protectedB64,
      header: { x5c: input.certChain.map((c) => c.toString('base64')), ...(input.signingAgent ? { [H.signingAgent]: input.signingAgent } : {}) },
      signature: sig.toString('base64url'),
    };
    return Buffer.from(JSON.stringify(env));
  }
  const seconds = (d: Date) => new Tagged(1, Math.floor(d.getTime() / 1000));
  const ph = new Map<string | number, unknown>([
    [1, COSE_ALG_IDS[input.algorithm]],
    [2, [H.signingScheme, ...(expiry ? [H.expiry] : [])]],
    [3, PAYLOAD_CONTENT_TYPE],
    [H.signingScheme, SCHEME_X509],
    [H.signingTime, seconds(signingTime)],
    ...(expiry ? ([[H.expiry, seconds(expiry)]] as [string, unknown][]) : []),
  ]);
  const protectedBytes = cborEncode(ph);
  const sig = primitiveSign(input.algorithm, input.key, coseSigStructure(protectedBytes, input.payload));
  const unprotected = new Map<string | number, unknown>([[33, input.certChain.map((c) => new Uint8Array(c))]]);
  if (input.signingAgent) unprotected.set(H.signingAgent, input.signingAgent);
  return Buffer.from(cborEncode(new Tagged(18, [protectedBytes, unprotected, new Uint8Array(input.payload), new Uint8Array(sig)])));
}
