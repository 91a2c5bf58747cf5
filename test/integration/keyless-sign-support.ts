/**
 * A local stand-in for Sigstore's public services, for keyless-signing tests. The real Fulcio (certificate
 * authority), Rekor (transparency log) and timestamp authority are at https://fulcio.sigstore.dev,
 * https://rekor.sigstore.dev and https://timestamp.sigstore.dev, which cannot be reached from this machine; so this
 * is a MOCK: Sigstore's own @sigstore/mock (the fake CA, CT log, transparency log and TSA that sigstore-js tests
 * itself against) served on real node:http servers on random loopback ports, speaking the same HTTP APIs
 * (POST /api/v2/signingCert, POST /api/v1/log/entries, POST /api/v1/timestamp). Tollgate talks to them over HTTP
 * exactly as it would talk to the real instances.
 *
 * What the mock does not do, and this harness therefore adds, is documented where it happens:
 * - it logs the *proposed* Rekor entry; for `dsse` entries real Rekor logs a canonical body instead
 *   (rekor pkg/types/dsse/v0.0.1 Canonicalize: envelopeHash, payloadHash, signatures[{signature, verifier}]), and
 *   verifiers (@sigstore/verify, cosign) compare the bundle with that canonical body, so the harness canonicalizes
 *   a proposed dsse entry before handing it to the mock log;
 * - a failure switch per service (HTTP status, or a closed port) for error tests.
 *
 * The OIDC identity token: the mock Fulcio decodes a JWT without checking its signature (it is a mock) and puts
 * the `sub` claim into the certificate's URI SAN and the `iss` claim into the Fulcio issuer extensions
 * (1.3.6.1.4.1.57264.1.1 and .8). `makeIdentityToken` makes a real ES256-signed JWT with node:crypto.
 */
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from '@sigstore/mock';

export interface MockService {
  url: string;
  /** Requests served (any path). */
  requests: number;
  /** When set, requests are answered with this status and body instead (after `failAfter` served normally). */
  failWith?: { status: number; body: string; contentType?: string };
  /** With failWith: how many more requests to serve normally before failing (default 0). */
  failAfter?: number;
  close(): Promise<void>;
}

async function serve(path: string, fn: HandlerFn): Promise<MockService> {
  const service: MockService = { url: '', requests: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      service.requests++;
      void (async () => {
        if (service.failWith && (service.failAfter ?? 0) > 0) service.failAfter!--;
        else if (service.failWith) {
          res.writeHead(service.failWith.status, { 'content-type': service.failWith.contentType ?? 'text/plain' });
          res.end(service.failWith.body);
          return;
        }
        if (req.method !== 'POST' || req.url !== path) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(`no route ${req.method} ${req.url}`);
          return;
        }
        const r = await fn(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'text/plain' });
        res.end(typeof r.response === 'string' ? r.response : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength));
      })().catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  service.url = `http://127.0.0.1:${port}`;
  service.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return service;
}

/**
 * Real Rekor's dsse v0.0.1 canonical body for a proposed entry (rekor pkg/types/dsse/v0.0.1/entry.go: the envelope
 * and payload are replaced by their SHA-256 digests; each signature is kept with its verifier, the PEM
 * certificate base64-encoded).
 */
function canonicalDsseEntry(proposed: { spec: { proposedContent: { envelope: string; verifiers: string[] } } }): object {
  const envelopeText = proposed.spec.proposedContent.envelope;
  const envelope = JSON.parse(envelopeText) as { payload: string; signatures: { sig: string }[] };
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(envelopeText) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((s, i) => ({ signature: s.sig, verifier: proposed.spec.proposedContent.verifiers[i] ?? proposed.spec.proposedContent.verifiers[0] })),
    },
  };
}

export interface MockSigstore {
  fulcio: MockService;
  rekor: MockService;
  tsa: MockService;
  /** The mock CA's self-signed root (DER). Fulcio's chain is [leaf, root]. */
  caRoot: Buffer;
  /** The transparency log's public key (SPKI DER) and its log ID (SHA-256 of that DER). */
  rekorPublicKey: KeyObject;
  rekorLogId: Buffer;
  /** A trusted_root.json (protobuf-specs TrustedRoot, the shape of sigstore-public-good.json) for these services. */
  trustedRoot: object;
  /** Proposed Rekor entries, as received (kind, apiVersion). */
  rekorEntries: { kind: string; apiVersion: string }[];
  close(): Promise<void>;
}

const P256 = 'P-256';

export async function startMockSigstore(): Promise<MockSigstore> {
  // Keys made here, never written anywhere: each run has its own CA, CT log, transparency log and TSA.
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ctKeys = generateKeyPairSync('ec', { namedCurve: P256 });
  const tlogKeys = generateKeyPairSync('ec', { namedCurve: P256 });
  const tsaKeys = generateKeyPairSync('ec', { namedCurve: P256 });
  const ctLog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(caKeys, ctLog);
  const tsa = await initializeTSA(tsaKeys);

  const fulcio = await serve('/api/v2/signingCert', fulcioHandler(ca).fn);
  const rekorEntries: MockSigstore['rekorEntries'] = [];
  // The log needs its own URL (the checkpoint origin); start the server first with a handler filled in below.
  let logFn: HandlerFn = async () => ({ statusCode: 503, response: 'not ready' });
  const rekor = await serve('/api/v1/log/entries', (body) => logFn(body));
  const tlog = await initializeTLog(rekor.url, tlogKeys);
  const inner = rekorHandler(tlog).fn;
  logFn = async (body) => {
    let proposed: { kind?: string; apiVersion?: string; spec?: unknown };
    try {
      proposed = JSON.parse(body) as typeof proposed;
    } catch {
      return { statusCode: 400, response: 'not JSON' };
    }
    rekorEntries.push({ kind: String(proposed.kind), apiVersion: String(proposed.apiVersion) });
    const entry = proposed.kind === 'dsse' ? canonicalDsseEntry(proposed as Parameters<typeof canonicalDsseEntry>[0]) : proposed;
    return inner(JSON.stringify(entry));
  };
  const tsaService = await serve('/api/v1/timestamp', tsaHandler(tsa).fn);

  const rekorDer = tlogKeys.publicKey.export({ format: 'der', type: 'spki' });
  const rekorLogId = createHash('sha256').update(rekorDer).digest();
  const caRoot = Buffer.from(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength);
  const ctDer = ctKeys.publicKey.export({ format: 'der', type: 'spki' });
  const der = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  // Valid from a day ago: the certificates the mock issues are dated "now".
  const start = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekor.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: rekorDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: rekorLogId.toString('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcio.url,
        certChain: { certificates: [{ rawBytes: caRoot.toString('base64') }] },
        validFor: { start },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.sigstore.mock',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: ctDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: der(ctLog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: tsaService.url,
        certChain: { certificates: [{ rawBytes: der(tsa.intCertificate) }, { rawBytes: der(tsa.rootCertificate) }] },
        validFor: { start },
      },
    ],
  };
  return {
    fulcio,
    rekor,
    tsa: tsaService,
    caRoot,
    rekorPublicKey: tlogKeys.publicKey,
    rekorLogId,
    trustedRoot,
    rekorEntries,
    close: async () => {
      await Promise.all([fulcio.close(), rekor.close(), tsaService.close()]);
    },
  };
}

export interface IdentityClaims {
  /** OIDC issuer: becomes the certificate's issuer extension. */
  iss: string;
  /** Subject: the mock Fulcio puts it into the certificate's URI SAN. */
  sub: string;
  /** Audience: Fulcio requires "sigstore". */
  aud?: string;
  /** Extra claims (e.g. GitHub Actions workflow claims, which the mock turns into certificate extensions). */
  [claim: string]: unknown;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * An OIDC identity token as an issuer would mint it: a compact JWS (RFC 7515) with header {alg: ES256, typ: JWT,
 * kid} and the claims iss, sub, aud ("sigstore"), iat, nbf, exp (ten minutes), signed with a P-256 key made here.
 * Fulcio would check the signature against the issuer's JWKS; the mock does not.
 */
export function makeIdentityToken(claims: IdentityClaims, opts: { now?: Date } = {}): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: P256 });
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: 'tollgate-test' };
  const payload = { aud: 'sigstore', iat, nbf: iat, exp: iat + 600, ...claims };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  // JWS ES256 signatures are the raw r||s pair (RFC 7518 §3.4), not DER.
  const sig = cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}
