/**
 * Keyless verification of a real cosign tag-based signature (Connaisseur's capture of
 * securesystemsengineering/testimage, interop/cosign-signatures/connaisseur-testimage: the `.sig` layer of image
 * sha256:31dc72…, with its Fulcio certificate, chain and Rekor bundle annotations), rewritten as a Sigstore bundle
 * v0.1 and verified against the public-good trusted root. Expected values come from signatures.json and from the
 * certificate and Rekor bundle themselves (integratedTime 1717082297 = 2024-05-30T15:18:17Z by `date -u -d @…`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SignError, type TollgateEvent } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { decodeTrustedRoot, type IdentityPolicy } from '../bundle/index.js';
import { legacyBundle } from './legacy-bundle.js';
import { loadTrustedRoot, TRUSTED_ROOT_ENV } from './trusted-root-source.js';
import { KeylessVerifier } from './verify-keyless.js';

const dir = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
const sigManifest = JSON.parse(
  readFileSync(path.join(dir, 'manifests', 'sha256-31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee.sig.json'), 'utf8'),
) as { layers: { annotations: Record<string, string> }[] };
const ANNOTATIONS = sigManifest.layers[0]!.annotations;
const PAYLOAD = readFileSync(path.join(dir, 'blobs', 'sha256_897d9e862b4599b723442f36ed7b4cfd1628bb7656643c56855988cac161d065.json'));
const SIGNATURE = Buffer.from(ANNOTATIONS['dev.cosignproject.cosign/signature']!, 'base64');
const PUBLIC_GOOD_FILE = shared('interop', 'trusted-roots', 'sigstore-public-good.json');
const PUBLIC_GOOD = decodeTrustedRoot(readFileSync(PUBLIC_GOOD_FILE));
const SCAFFOLDING = decodeTrustedRoot(readFileSync(shared('interop', 'trusted-roots', 'sigstore-go-scaffolding.json')));
// signatures.json: "san": "email:philipp.belitz@securesystems.de"; the issuer is the certificate's extension
// 1.3.6.1.4.1.57264.1.8 (read with `openssl x509 -text`: https://github.com/login/oauth).
const IDENTITY: IdentityPolicy = { subject: 'philipp.belitz@securesystems.de', issuer: 'https://github.com/login/oauth' };

function check(opts: { annotations?: Record<string, string>; payload?: Buffer; signature?: Buffer; identity?: IdentityPolicy; root?: typeof PUBLIC_GOOD; events?: TollgateEvent[] } = {}) {
  const payload = opts.payload ?? PAYLOAD;
  const lb = legacyBundle(opts.annotations ?? ANNOTATIONS, { kind: 'message', payload, signature: opts.signature ?? SIGNATURE });
  if (!lb.ok) return lb;
  const v = new KeylessVerifier({ identity: opts.identity ?? IDENTITY, trustedRoot: opts.root ?? PUBLIC_GOOD }, (e) => opts.events?.push(e));
  return v.verify(lb.bundle, { kind: 'bytes', bytes: payload }, 'layer 0');
}

function codeOf(r: ReturnType<typeof check>): string {
  assert.equal(r.ok, false, 'verification must fail');
  return (r as { code: string }).code;
}

const rekor = JSON.parse(ANNOTATIONS['dev.sigstore.cosign/bundle']!) as { SignedEntryTimestamp: string; Payload: { integratedTime: number; body: string } & Record<string, unknown> };
const withRekor = (r: unknown) => ({ ...ANNOTATIONS, 'dev.sigstore.cosign/bundle': JSON.stringify(r) });

describe('keyless verification of a cosign .sig layer (real public-good signature)', () => {
  test('verifies with the right identity and issuer against the public-good root, at the logged time', () => {
    const r = check();
    assert.ok(r.ok, JSON.stringify(r));
    if (!('signer' in r)) return;
    assert.equal(r.signer.subject, 'philipp.belitz@securesystems.de');
    assert.deepEqual(r.signer.sans, ['philipp.belitz@securesystems.de']);
    assert.equal(r.signer.issuer, 'https://github.com/login/oauth');
    assert.equal(r.signer.trustRoot, 'public-good');
    assert.equal(r.signer.signedAt, '2024-05-30T15:18:17.000Z');
    // signatures.json: cert_validity 2024-05-30T15:18:10Z..2024-05-30T15:28:10Z, issuer O=sigstore.dev, CN=sigstore-intermediate
    assert.equal(r.signer.certificate.notBefore, '2024-05-30T15:18:10.000Z');
    assert.equal(r.signer.certificate.notAfter, '2024-05-30T15:28:10.000Z');
    assert.equal(r.signer.certificate.issuerName, 'O=sigstore.dev, CN=sigstore-intermediate');
    assert.equal(r.verification.bundle.tlogEntries[0]?.kind, 'hashedrekord');
    assert.equal(r.verification.bundle.tlogEntries[0]?.logIndex, '98235800');
  });

  test('the bundle built from the annotations is a v0.1 bundle with the inclusion promise and the body as logged', () => {
    const lb = legacyBundle(ANNOTATIONS, { kind: 'message', payload: PAYLOAD, signature: SIGNATURE });
    assert.ok(lb.ok);
    if (!lb.ok) return;
    const b = JSON.parse(lb.bundle.toString()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(b.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.1');
    const t = b.verificationMaterial.tlogEntries[0];
    assert.equal(t.canonicalizedBody, rekor.Payload.body);
    assert.equal(t.inclusionPromise.signedEntryTimestamp, rekor.SignedEntryTimestamp);
    assert.equal(Buffer.from(t.logId.keyId, 'base64').toString('hex'), 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d');
    assert.deepEqual(t.kindVersion, { kind: 'hashedrekord', version: '0.0.1' });
    // leaf + the two chain certificates of the annotation
    assert.equal(b.verificationMaterial.x509CertificateChain.certificates.length, 3);
    assert.equal(b.messageSignature.messageDigest.digest, Buffer.from('897d9e862b4599b723442f36ed7b4cfd1628bb7656643c56855988cac161d065', 'hex').toString('base64'));
  });

  test('identity regexps (RE2, unanchored as in cosign, with a warning) and otherwise exact matching', () => {
    const events: TollgateEvent[] = [];
    const r = check({ identity: { subjectRegExp: '@securesystems\\.de', issuerRegExp: '^https://github\\.com/login/oauth$' }, events });
    assert.ok(r.ok);
    assert.deepEqual(events.map((e) => (e.type === 'warning' ? e.code : e.type)), ['UNANCHORED_REGEXP']);
    assert.equal(codeOf(check({ identity: { subjectRegExp: '^belitz@', issuer: IDENTITY.issuer! } })), 'IDENTITY_MISMATCH');
    assert.equal(codeOf(check({ identity: { subject: 'philipp.belitz@securesystems', issuer: IDENTITY.issuer! } })), 'IDENTITY_MISMATCH');
  });

  test('a wrong identity or a wrong issuer: IDENTITY_MISMATCH', () => {
    assert.equal(codeOf(check({ identity: { ...IDENTITY, subject: 'someone.else@securesystems.de' } })), 'IDENTITY_MISMATCH');
    assert.equal(codeOf(check({ identity: { ...IDENTITY, issuer: 'https://accounts.google.com' } })), 'IDENTITY_MISMATCH');
  });

  test('a tampered inclusion promise (SET): TLOG_INVALID', () => {
    const set = Buffer.from(rekor.SignedEntryTimestamp, 'base64');
    set[set.length - 5]! ^= 1;
    assert.equal(codeOf(check({ annotations: withRekor({ ...rekor, SignedEntryTimestamp: set.toString('base64') }) })), 'TLOG_INVALID');
  });

  test('a changed integratedTime: outside the certificate validity CERTIFICATE_INVALID, inside it the SET fails', () => {
    const at = (t: number) => withRekor({ ...rekor, Payload: { ...rekor.Payload, integratedTime: t } });
    // 15:18:17 + 1000 s = 15:34:57, after notAfter 15:28:10
    assert.equal(codeOf(check({ annotations: at(rekor.Payload.integratedTime + 1000) })), 'CERTIFICATE_INVALID');
    assert.equal(codeOf(check({ annotations: at(rekor.Payload.integratedTime + 60) })), 'TLOG_INVALID');
  });

  test('a tampered signature or another payload does not match the logged entry: TLOG_ENTRY_MISMATCH', () => {
    const sig = Buffer.from(SIGNATURE);
    sig[sig.length - 3]! ^= 1;
    assert.equal(codeOf(check({ signature: sig })), 'TLOG_ENTRY_MISMATCH');
    const other = Buffer.from(PAYLOAD.toString('utf8').replace('sha256:31dc72', 'sha256:31dc73'));
    assert.equal(codeOf(check({ payload: other })), 'TLOG_ENTRY_MISMATCH');
  });

  test('a certificate of another root (sigstore-go scaffolding as trusted root): CERTIFICATE_INVALID', () => {
    assert.equal(codeOf(check({ root: SCAFFOLDING })), 'CERTIFICATE_INVALID');
  });

  test('missing or malformed material is rejected before verification, with a stable code', () => {
    assert.equal(codeOf(check({ annotations: { ...ANNOTATIONS, 'dev.sigstore.cosign/bundle': '' } })), 'TLOG_INVALID');
    assert.equal(codeOf(check({ annotations: withRekor({ SignedEntryTimestamp: rekor.SignedEntryTimestamp }) })), 'TLOG_INVALID');
    const bad = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    assert.equal(codeOf(check({ annotations: { ...ANNOTATIONS, 'dev.sigstore.cosign/certificate': bad } })), 'SIGNATURE_MALFORMED');
    assert.equal(codeOf(check({ annotations: { ...ANNOTATIONS, 'dev.sigstore.cosign/chain': bad } })), 'SIGNATURE_MALFORMED');
    // Without the (informational) chain, the trusted root alone anchors the certificate.
    const { ['dev.sigstore.cosign/chain']: _chain, ...noChain } = ANNOTATIONS;
    assert.ok(check({ annotations: noChain }).ok);
  });
});

describe('loadTrustedRoot', () => {
  test('--trusted-root, then $TOLLGATE_TRUSTED_ROOT, then the cached public-good root; without a usable seed, TRUSTED_ROOT_MISSING naming the flag', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keyless-root-'));
    try {
      const explicit = await loadTrustedRoot({ file: PUBLIC_GOOD_FILE, cacheDir: tmp, env: {} });
      assert.equal(explicit.id, PUBLIC_GOOD_FILE);
      const fromEnv = await loadTrustedRoot({ cacheDir: tmp, env: { [TRUSTED_ROOT_ENV]: PUBLIC_GOOD_FILE } });
      assert.equal(fromEnv.file, PUBLIC_GOOD_FILE);
      // (With @sigstore/tuf's seed the cache is initialised instead: tuf-trusted-root.test.ts.)
      await assert.rejects(loadTrustedRoot({ cacheDir: tmp, env: {}, seedsFile: path.join(tmp, 'no-seeds.json') }), (e) => {
        assert.ok(e instanceof SignError);
        assert.equal(e.code, 'TRUSTED_ROOT_MISSING');
        assert.match(e.message, /--trusted-root/);
        assert.match(e.message, /TOLLGATE_TRUSTED_ROOT/);
        return true;
      });
      await mkdir(path.join(tmp, 'sigstore'));
      await writeFile(path.join(tmp, 'sigstore', 'trusted_root.json'), readFileSync(PUBLIC_GOOD_FILE));
      const cached = await loadTrustedRoot({ cacheDir: tmp, env: {} });
      assert.equal(cached.id, 'public-good');
      assert.equal(cached.root.tlogs.length, PUBLIC_GOOD.tlogs.length);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
