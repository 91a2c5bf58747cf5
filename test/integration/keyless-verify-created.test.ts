/**
 * Keyless signatures created here with Sigstore's own mock services (@sigstore/mock: a Fulcio CA that embeds an SCT
 * from a CT log, and a Rekor log that returns entries with SETs and inclusion proofs), in both storage forms cosign
 * writes: a `.sig` layer with certificate/chain/bundle annotations (cosign 2) and a Sigstore bundle v0.3 referrer
 * with a DSSE in-toto statement of predicate https://sigstore.dev/cosign/sign/v1 (cosign 3). The trusted root is
 * built from the mock services' keys, so only what they signed verifies. Covers what the real public-good vectors
 * cannot: a positive `verify` through a bundle referrer, a URI SAN (GitHub Actions style), and a log entry that is
 * validly signed but integrated after the certificate expired.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { RegistrySource } from '../../src/sign/artifact-source.js';
import { registerReferrer } from '../../src/sign/attach.js';
import { pae } from '../../src/sign/dsse.js';
import { buildStatement, COSIGN_SIGN_PREDICATE_TYPE } from '../../src/sign/in-toto.js';
import { buildSimpleSigningPayload, decodeTrustedRoot, NoMatchingSignaturesError, verifyImage, type KeylessOptions } from '../../src/sign/index.js';
import { buildBundleReferrer } from '../../src/sign/referrer-manifest.js';
import { appendSignatureLayers, SIMPLE_SIGNING_MEDIA_TYPE } from '../../src/sign/tag-manifest.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const WORKFLOW = 'https://github.com/example/app/.github/workflows/release.yml@refs/heads/main';
const GITHUB = 'https://token.actions.githubusercontent.com';
// The mock CA's root is valid from the moment it is created: sign (on the mock clocks) an hour later, in whole seconds.
const SIGNED_AT = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const b64 = (b: ArrayBufferView) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });

interface Services {
  root: ReturnType<typeof decodeTrustedRoot>;
  /** A certificate for a fresh key, and the key; `logAt` is when Rekor integrates entries. */
  signer(logAt?: Date): Promise<{ cert: X509Certificate; key: KeyObject; log: (entry: object) => Promise<RekorEntry> }>;
}

interface RekorEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { signedEntryTimestamp: string; inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string } };
}

async function mockServices(): Promise<Services> {
  const caKeys = p256();
  const ctKeys = p256();
  const tlogKeys = p256();
  const ctLog = await initializeCTLog(ctKeys, SIGNED_AT);
  const ca = await initializeCA(caKeys, ctLog, SIGNED_AT);
  const validFor = { start: '2020-01-01T00:00:00Z' };
  const root = decodeTrustedRoot(
    Buffer.from(
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
        tlogs: [
          {
            baseUrl: 'https://rekor.sigstore.mock',
            hashAlgorithm: 'SHA2_256',
            publicKey: { rawBytes: b64(spki(tlogKeys.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
            logId: { keyId: b64(createHash('sha256').update(spki(tlogKeys.publicKey)).digest()) },
          },
        ],
        certificateAuthorities: [
          { subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: 'https://fulcio.sigstore.mock', certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor },
        ],
        ctlogs: [
          {
            baseUrl: 'https://ctfe.sigstore.mock',
            hashAlgorithm: 'SHA2_256',
            publicKey: { rawBytes: b64(spki(ctKeys.publicKey)), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
            logId: { keyId: b64(ctLog.logID) },
          },
        ],
        timestampAuthorities: [],
      }),
    ),
    'mock trusted root',
  );
  return {
    root,
    async signer(logAt = new Date(SIGNED_AT.getTime() + 5000)) {
      const { publicKey, privateKey } = p256();
      const der = await ca.issueCertificate({ publicKey: spki(publicKey), subjectAltName: WORKFLOW, extensions: [{ oid: '1.3.6.1.4.1.57264.1.8', value: GITHUB }] });
      const tlog = await initializeTLog('https://rekor.sigstore.mock', tlogKeys, logAt);
      const log = async (entry: object) => Object.values(await tlog.log(entry))[0] as unknown as RekorEntry;
      return { cert: new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength)), key: privateKey, log };
    },
  };
}

/** cosign's Rekor bundle annotation for a log entry (pkg/cosign/bundle/rekor.go). */
function rekorAnnotation(e: RekorEntry): string {
  return JSON.stringify({ SignedEntryTimestamp: e.verification.signedEntryTimestamp, Payload: { body: e.body, integratedTime: e.integratedTime, logIndex: e.logIndex, logID: e.logID } });
}

describe('keyless signatures created with the Sigstore mock services', () => {
  let reg: TestRegistry;
  let tmp: string;
  let client: RegistryClient;
  let services: Services;
  let keyless: (identity?: KeylessOptions['identity']) => KeylessOptions;
  const repoName = () => `${reg.host}/ci/app`;

  async function pushNewImage(note: string): Promise<string> {
    const img = buildImage([await buildLayer(await makeTar([{ path: 'note', content: note }]))]);
    return pushImage(client, `${repoName()}:${note}`, { image: img });
  }

  /** cosign 2: a `.sig` layer signed with a fresh certificate, its hashedrekord entry logged at `logAt`. */
  async function signLegacy(digest: string, logAt?: Date): Promise<void> {
    const s = await services.signer(logAt);
    const payload = buildSimpleSigningPayload({ dockerReference: repoName(), digest });
    const sig = sign('sha256', payload, s.key);
    const entry = await s.log({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: { data: { hash: { algorithm: 'sha256', value: hex(payload) } }, signature: { content: b64(sig), publicKey: { content: b64(Buffer.from(s.cert.toString())) } } },
    });
    const tag = appendSignatureLayers(
      undefined,
      [
        {
          payload,
          mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
          annotations: {
            'dev.cosignproject.cosign/signature': b64(sig),
            'dev.sigstore.cosign/certificate': s.cert.toString(),
            'dev.sigstore.cosign/chain': '',
            'dev.sigstore.cosign/bundle': rekorAnnotation(entry),
          },
        },
      ],
      'sig',
    );
    const ref = parseReference(repoName());
    await client.pushBlob(ref, tag.config);
    for (const b of tag.blobs) await client.pushBlob(ref, b);
    await client.putManifest(ref, `sha256-${digest.slice(7)}.sig`, tag.manifest, tag.mediaType);
  }

  /** cosign 3: a v0.3 bundle (DSSE, dsse/0.0.1 entry with inclusion proof and promise) as a referrer of `digest`. */
  async function signBundle(digest: string, subjectDigest = digest): Promise<void> {
    const s = await services.signer();
    const statement = buildStatement({ predicateType: COSIGN_SIGN_PREDICATE_TYPE, subjects: [{ name: repoName(), digest: { sha256: subjectDigest.slice(7) } }], predicate: {} });
    const payloadType = 'application/vnd.in-toto+json';
    const sig = sign('sha256', pae(payloadType, statement), s.key);
    const envelope = { payload: b64(statement), payloadType, signatures: [{ sig: b64(sig), keyid: '' }] };
    const e = await s.log({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: hex(JSON.stringify(envelope)) },
        payloadHash: { algorithm: 'sha256', value: hex(statement) },
        signatures: [{ signature: b64(sig), verifier: b64(Buffer.from(s.cert.toString())) }],
      },
    });
    const p = e.verification.inclusionProof;
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: b64(s.cert.raw) },
        tlogEntries: [
          {
            logIndex: String(e.logIndex),
            logId: { keyId: b64(Buffer.from(e.logID, 'hex')) },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(e.integratedTime),
            inclusionPromise: { signedEntryTimestamp: e.verification.signedEntryTimestamp },
            inclusionProof: { logIndex: String(p.logIndex), rootHash: b64(Buffer.from(p.rootHash, 'hex')), treeSize: String(p.treeSize), hashes: p.hashes, checkpoint: { envelope: p.checkpoint } },
            canonicalizedBody: e.body,
          },
        ],
        timestampVerificationData: {},
      },
      dsseEnvelope: envelope,
    };
    const ref = parseReference(repoName());
    const m = await client.getManifest(ref, digest);
    const r = buildBundleReferrer({
      bundle: Buffer.from(JSON.stringify(bundle)),
      subject: { mediaType: m.mediaType, digest, size: m.bytes.length },
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      created: SIGNED_AT,
    });
    for (const b of r.blobs) await client.pushBlob(ref, b);
    await client.putManifest(ref, r.digest, r.manifest, 'application/vnd.oci.image.manifest.v1+json');
    await registerReferrer(new RegistrySource(client, ref), digest, r.descriptor);
  }

  async function codesOf(p: Promise<unknown>): Promise<string[]> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof NoMatchingSignaturesError, String(e));
      return e.result.rejected.map((r) => r.code).sort();
    }
    assert.fail('verification succeeded');
  }

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keyless-mock-'));
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'docker') });
    services = await mockServices();
    keyless = (identity = { subject: WORKFLOW, issuer: GITHUB }) => ({ identity, trustedRoot: services.root, trustRootId: 'ci-root' });
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('both forms verify: the .sig layer and the bundle referrer, with the URI identity and the trust root name', async () => {
    const digest = await pushNewImage('both');
    await signLegacy(digest);
    await signBundle(digest);
    const r = await verifyImage({ image: `${repoName()}@${digest}`, keyless: keyless(), registry: client });
    assert.deepEqual(r.verified.map((s) => s.form).sort(), ['bundle', 'legacy']);
    assert.deepEqual(r.rejected, []);
    for (const s of r.verified) {
      assert.equal(s.keyless?.subject, WORKFLOW);
      assert.equal(s.keyless?.issuer, GITHUB);
      assert.equal(s.keyless?.trustRoot, 'ci-root');
      assert.equal(s.keyless?.signedAt, new Date(SIGNED_AT.getTime() + 5000).toISOString());
      assert.equal(s.keyless?.certificate.notBefore, SIGNED_AT.toISOString());
      assert.equal(s.payload.critical.image['docker-manifest-digest'], digest);
    }
    const re = await verifyImage({ image: `${repoName()}@${digest}`, keyless: keyless({ subjectRegExp: '^https://github\\.com/example/app/', issuer: GITHUB }), registry: client });
    assert.equal(re.verified.length, 2);
    assert.deepEqual(await codesOf(verifyImage({ image: `${repoName()}@${digest}`, keyless: keyless({ subject: WORKFLOW, issuer: 'https://gitlab.com' }), registry: client })), [
      'IDENTITY_MISMATCH',
      'IDENTITY_MISMATCH',
    ]);
  });

  test('a log entry integrated after the certificate expired (10 minutes): CERTIFICATE_INVALID', async () => {
    const digest = await pushNewImage('late');
    await signLegacy(digest, new Date(SIGNED_AT.getTime() + 11 * 60_000));
    assert.deepEqual(await codesOf(verifyImage({ image: `${repoName()}@${digest}`, keyless: keyless(), registry: client })), ['CERTIFICATE_INVALID']);
  });

  test("a bundle referrer whose statement names another image: DIGEST_MISMATCH; the public-good root trusts none of it", async () => {
    const digest = await pushNewImage('other');
    await signBundle(digest, `sha256:${hex('another image')}`);
    assert.deepEqual(await codesOf(verifyImage({ image: `${repoName()}@${digest}`, keyless: keyless(), registry: client })), ['DIGEST_MISMATCH']);
    const good = await pushNewImage('good');
    await signLegacy(good);
    await signBundle(good);
    const publicGood = decodeTrustedRoot(readFileSync(shared('interop', 'trusted-roots', 'sigstore-public-good.json')));
    const codes = await codesOf(verifyImage({ image: `${repoName()}@${good}`, keyless: { identity: { subject: WORKFLOW, issuer: GITHUB }, trustedRoot: publicGood }, registry: client }));
    assert.equal(codes.length, 2);
    assert.ok(codes.every((c) => ['CERTIFICATE_INVALID', 'TLOG_INVALID'].includes(c)), codes.join());
  });
});
