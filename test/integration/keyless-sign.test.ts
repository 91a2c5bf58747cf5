/**
 * Keyless signing (cosign sign / attest without --key) against a real CNCF distribution registry and a MOCK
 * Sigstore: Fulcio, Rekor and a timestamp authority from @sigstore/mock served over HTTP on loopback ports
 * (./keyless-sign-support.ts says why and what the mock does). The real Fulcio and Rekor cannot be reached from
 * this machine; the mock speaks their HTTP APIs, so Tollgate's requests are the ones it would send them.
 *
 * What is stored is read back raw from the registry and checked independently of the code under test, with
 * node:crypto and with @sigstore/verify (the reference verifier) against a trusted_root.json for the mock CA, CT
 * log, transparency log and TSA: the certificate chains to the mock CA, its SAN is the token's `sub`, the Rekor
 * SET verifies with the log's key, the signature verifies with the leaf's key over the payload, and the payload
 * names the image digest.
 *
 * The identity token is a real ES256 JWT made with node:crypto; the claims used: iss
 * (https://token.actions.githubusercontent.com, becomes the certificate's OIDC issuer extension), sub (a GitHub
 * Actions workflow URI, becomes the URI SAN), aud "sigstore", iat/nbf/exp.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { SignError, UsageError } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { attestImage, KeylessSigning, signImage, type Signer } from '../../src/sign/index.js';
import { hasStackTrace } from '../support/cli.js';
import { buildImage, buildIndex, buildLayer, makeTar } from '../support/image-builder.js';
import { repoRoot } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeIdentityToken, startMockSigstore, type MockSigstore } from './keyless-sign-support.js';

const ISS = 'https://token.actions.githubusercontent.com';
const SUB = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const hexOf = (d: string) => d.slice('sha256:'.length);
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

interface Layer {
  mediaType: string;
  digest: string;
  annotations: Record<string, string>;
}

/** The mock Fulcio's PEM encoding of a DER certificate (@sigstore/mock fulcio/handler.js toPEM): one base64 line. */
const mockPem = (der: Buffer) => ['-----BEGIN CERTIFICATE-----', der.toString('base64'), '-----END CERTIFICATE-----', ''].join('\n');

/** The leaf chains to the mock CA's root, names SUB as its URI SAN, and carries the token's issuer. */
function checkLeaf(leaf: X509Certificate, mock: MockSigstore): void {
  const root = new X509Certificate(mock.caRoot);
  assert.ok(leaf.checkIssued(root), 'the leaf is issued by the mock CA root');
  assert.ok(leaf.verify(root.publicKey), "the leaf's signature verifies with the mock CA root's key");
  assert.equal(leaf.subjectAltName, `URI:${SUB}`);
  assert.ok(leaf.raw.includes(Buffer.from(ISS)), 'the OIDC issuer extension holds the token issuer');
  assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
}

/**
 * Rekor's signed entry timestamp: the log's ECDSA signature over the canonical JSON (RFC 8785: keys sorted, no
 * spaces) of {body, integratedTime, logID, logIndex} (rekor pkg/api/entries.go), checked with the mock log's key.
 */
function checkSet(set: Buffer, p: { body: string; integratedTime: number; logIndex: number; logID: string }, mock: MockSigstore): void {
  const canonical = `{"body":${JSON.stringify(p.body)},"integratedTime":${p.integratedTime},"logID":${JSON.stringify(p.logID)},"logIndex":${p.logIndex}}`;
  assert.ok(cryptoVerify('sha256', Buffer.from(canonical), mock.rekorPublicKey, set), 'the SET verifies with the mock Rekor key');
  assert.equal(p.logID, mock.rekorLogId.toString('hex'));
  assert.ok(Math.abs(p.integratedTime - Date.now() / 1000) < 300);
}

function pae(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

describe('keyless sign and attest: mock Fulcio/Rekor/TSA, real registry', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let mock: MockSigstore;
  let tmp: string;
  let verifier: Verifier;
  let appDigest: string;
  let multiDigest: string;
  let childDigests: string[];
  let trustedRootFile: string;
  const token = () => makeIdentityToken({ iss: ISS, sub: SUB });
  const keyless = (extra: Partial<ConstructorParameters<typeof KeylessSigning>[0]> = {}) =>
    new KeylessSigning({ identityToken: token(), fulcioUrl: mock.fulcio.url, rekorUrl: mock.rekor.url, retries: 0, ...extra });

  const manifestJson = async <T>(repo: string, reference: string): Promise<T> =>
    JSON.parse((await client.getManifest(parseReference(`${reg.host}/${repo}`), reference)).bytes.toString()) as T;
  const blob = (repo: string, digest: string) => client.getBlobBytes(parseReference(`${reg.host}/${repo}`), digest, 1 << 20);
  const exists = async (repo: string, reference: string) => (await client.headManifest(parseReference(`${reg.host}/${repo}`), reference)) !== undefined;

  /** The Sigstore bundle referrers of `digest`, read through the sha256-<hex> referrers tag (distribution 2.8). */
  async function bundleReferrers(repo: string, digest: string): Promise<{ manifest: { annotations: Record<string, string>; subject: { digest: string } }; bundle: Record<string, unknown> }[]> {
    const idx = await manifestJson<{ manifests: { digest: string; artifactType: string }[] }>(repo, `sha256-${hexOf(digest)}`);
    const out = [];
    for (const m of idx.manifests) {
      assert.equal(m.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      const manifest = await manifestJson<{ annotations: Record<string, string>; subject: { digest: string }; layers: { digest: string }[] }>(repo, m.digest);
      out.push({ manifest, bundle: JSON.parse((await blob(repo, manifest.layers[0]!.digest)).toString()) as Record<string, unknown> });
    }
    return out;
  }

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    mock = await startMockSigstore();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keyless-sign-'));
    trustedRootFile = path.join(tmp, 'trusted_root.json');
    await writeFile(trustedRootFile, JSON.stringify(mock.trustedRoot, null, 2));
    verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(mock.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1 });
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'no-docker-config') });
    const app = buildImage([await buildLayer(await makeTar([{ path: 'etc/app.conf', content: 'keyless=1\n' }]))]);
    appDigest = app.manifestDigest;
    assert.equal(await pushImage(client, `${reg.host}/team/app:1.0`, { image: app }), appDigest);
    const amd = buildImage([await buildLayer(await makeTar([{ path: 'amd', content: 'amd64 keyless\n' }]))]);
    const arm = buildImage([await buildLayer(await makeTar([{ path: 'arm', content: 'arm64 keyless\n' }]))], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const index = buildIndex([amd, arm]);
    multiDigest = index.digest;
    childDigests = [amd.manifestDigest, arm.manifestDigest];
    assert.equal(await pushImage(client, `${reg.host}/team/multi:1`, { index }), multiDigest);
  });
  after(async () => {
    await client?.close();
    await mock?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('sign: the .sig layer carries signature, certificate, chain and Rekor bundle, all verifiable independently', async () => {
    const signing = keyless();
    const before = mock.fulcio.requests;
    const res = await signImage({ image: `${reg.host}/team/app@${appDigest}`, signer: signing, registry: client });
    assert.deepEqual(res.signed.map((s) => s.form), ['legacy', 'bundle']);
    assert.equal(mock.fulcio.requests - before, 1, 'one certificate for the run');
    const cert = await signing.certificate();
    assert.equal(cert?.subject, SUB);
    assert.equal(cert?.issuer, ISS);
    assert.deepEqual(signing.logEntries.map((e) => e.kind), ['hashedrekord', 'dsse']);

    const sig = await manifestJson<{ layers: Layer[] }>('team/app', `sha256-${hexOf(appDigest)}.sig`);
    assert.equal(sig.layers.length, 1);
    const layer = sig.layers[0]!;
    assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    assert.deepEqual(Object.keys(layer.annotations).sort(), [
      'dev.cosignproject.cosign/signature',
      'dev.sigstore.cosign/bundle',
      'dev.sigstore.cosign/certificate',
      'dev.sigstore.cosign/chain',
    ]);
    // The payload names the image digest.
    const payload = await blob('team/app', layer.digest);
    assert.deepEqual(JSON.parse(payload.toString()), {
      critical: { identity: { 'docker-reference': `${reg.host}/team/app` }, image: { 'docker-manifest-digest': appDigest }, type: 'cosign container image signature' },
      optional: null,
    });
    // Certificate: chains to the mock CA; the chain annotation is the rest of Fulcio's chain (the root) as sent.
    const leaf = new X509Certificate(layer.annotations['dev.sigstore.cosign/certificate']!);
    checkLeaf(leaf, mock);
    assert.equal(layer.annotations['dev.sigstore.cosign/chain'], mockPem(mock.caRoot));
    // Signature: the leaf's key over the payload.
    const signature = Buffer.from(layer.annotations['dev.cosignproject.cosign/signature']!, 'base64');
    assert.ok(cryptoVerify('sha256', payload, leaf.publicKey, signature));
    // Rekor bundle: the SET verifies; the body is a hashedrekord of this payload, signature and certificate.
    const rb = JSON.parse(layer.annotations['dev.sigstore.cosign/bundle']!) as { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
    assert.deepEqual(Object.keys(rb), ['SignedEntryTimestamp', 'Payload']);
    assert.deepEqual(Object.keys(rb.Payload), ['body', 'integratedTime', 'logIndex', 'logID']);
    checkSet(Buffer.from(rb.SignedEntryTimestamp, 'base64'), rb.Payload, mock);
    const body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString()) as {
      kind: string;
      apiVersion: string;
      spec: { data: { hash: { algorithm: string; value: string } }; signature: { content: string; publicKey: { content: string } } };
    };
    assert.equal(body.kind, 'hashedrekord');
    assert.equal(body.apiVersion, '0.0.1');
    assert.deepEqual(body.spec.data.hash, { algorithm: 'sha256', value: sha256(payload).toString('hex') });
    assert.equal(body.spec.signature.content, layer.annotations['dev.cosignproject.cosign/signature']);
    assert.ok(new X509Certificate(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString()).raw.equals(leaf.raw));

    // The same signature as a v0.1 message-signature bundle, verified by @sigstore/verify (certificate chain, SCT,
    // SET, signature over the payload, identity policy).
    const legacyAsBundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        x509CertificateChain: { certificates: [{ rawBytes: leaf.raw.toString('base64') }] },
        tlogEntries: [
          {
            logIndex: String(rb.Payload.logIndex),
            logId: { keyId: Buffer.from(rb.Payload.logID, 'hex').toString('base64') },
            kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
            integratedTime: String(rb.Payload.integratedTime),
            inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
            canonicalizedBody: rb.Payload.body,
          },
        ],
      },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: sha256(payload).toString('base64') }, signature: signature.toString('base64') },
    });
    const who = verifier.verify(toSignedEntity(legacyAsBundle, payload), { subjectAlternativeName: SUB, extensions: { issuer: ISS } });
    assert.equal(who.identity?.subjectAlternativeName, SUB);

    // The bundle referrer: v0.3, DSSE over the cosign sign statement, the leaf, one dsse entry.
    const [ref] = await bundleReferrers('team/app', appDigest);
    assert.equal(ref!.manifest.subject.digest, appDigest);
    assert.equal(ref!.manifest.annotations['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
    const b = ref!.bundle as {
      mediaType: string;
      verificationMaterial: { certificate: { rawBytes: string }; tlogEntries: { kindVersion: { kind: string; version: string }; inclusionPromise: { signedEntryTimestamp: string }; canonicalizedBody: string; integratedTime: string; logIndex: string; logId: { keyId: string } }[] };
      dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
    };
    assert.equal(b.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    const bLeaf = new X509Certificate(Buffer.from(b.verificationMaterial.certificate.rawBytes, 'base64'));
    checkLeaf(bLeaf, mock);
    assert.ok(bLeaf.raw.equals(leaf.raw), 'one certificate for both forms');
    const statement = Buffer.from(b.dsseEnvelope.payload, 'base64');
    const st = JSON.parse(statement.toString()) as { predicateType: string; subject: { digest: { sha256: string } }[] };
    assert.equal(st.predicateType, 'https://sigstore.dev/cosign/sign/v1');
    assert.equal(st.subject[0]!.digest.sha256, hexOf(appDigest));
    assert.equal(b.dsseEnvelope.signatures.length, 1);
    assert.equal(b.dsseEnvelope.signatures[0]!.keyid, undefined);
    assert.ok(cryptoVerify('sha256', pae(b.dsseEnvelope.payloadType, statement), bLeaf.publicKey, Buffer.from(b.dsseEnvelope.signatures[0]!.sig, 'base64')));
    const e = b.verificationMaterial.tlogEntries[0]!;
    assert.deepEqual(e.kindVersion, { kind: 'dsse', version: '0.0.1' });
    checkSet(
      Buffer.from(e.inclusionPromise.signedEntryTimestamp, 'base64'),
      { body: e.canonicalizedBody, integratedTime: Number(e.integratedTime), logIndex: Number(e.logIndex), logID: Buffer.from(e.logId.keyId, 'base64').toString('hex') },
      mock,
    );
    const v = verifier.verify(toSignedEntity(bundleFromJSON(ref!.bundle)), { subjectAlternativeName: SUB, extensions: { issuer: ISS } });
    assert.equal(v.identity?.extensions?.issuer, ISS);
    // Another identity is refused by the reference verifier.
    assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(ref!.bundle)), { subjectAlternativeName: 'https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main' }));
  });

  test('attest: .att layer (intoto entry) and bundle referrer (dsse entry), verifiable independently', async () => {
    const predicate = Buffer.from(JSON.stringify({ buildType: 'https://example.com/build@v1', builder: { id: 'https://github.com/acme/builder' } }));
    const img = buildImage([await buildLayer(await makeTar([{ path: 'att', content: 'attested\n' }]))]);
    await pushImage(client, `${reg.host}/team/att:1`, { image: img });
    const signing = keyless();
    const res = await attestImage({ image: `${reg.host}/team/att@${img.manifestDigest}`, signer: signing, type: 'slsaprovenance', predicate, registry: client });
    assert.deepEqual(res.signed.map((s) => s.form), ['legacy', 'bundle']);
    assert.deepEqual(signing.logEntries.map((e) => e.kind), ['intoto', 'dsse']);

    const att = await manifestJson<{ layers: Layer[] }>('team/att', `sha256-${hexOf(img.manifestDigest)}.att`);
    const layer = att.layers[0]!;
    assert.equal(layer.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.equal(layer.annotations['predicateType'], 'https://slsa.dev/provenance/v0.2');
    assert.equal(layer.annotations['dev.cosignproject.cosign/signature'], '');
    const leaf = new X509Certificate(layer.annotations['dev.sigstore.cosign/certificate']!);
    checkLeaf(leaf, mock);
    const env = JSON.parse((await blob('team/att', layer.digest)).toString()) as { payload: string; payloadType: string; signatures: { sig: string }[] };
    const statement = Buffer.from(env.payload, 'base64');
    const st = JSON.parse(statement.toString()) as { subject: { name: string; digest: { sha256: string } }[]; predicate: unknown };
    assert.equal(st.subject[0]!.digest.sha256, hexOf(img.manifestDigest));
    assert.equal(st.subject[0]!.name, `${reg.host}/team/att`);
    assert.deepEqual(st.predicate, JSON.parse(predicate.toString()));
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    assert.ok(cryptoVerify('sha256', pae(env.payloadType, statement), leaf.publicKey, sig));
    const rb = JSON.parse(layer.annotations['dev.sigstore.cosign/bundle']!) as { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
    checkSet(Buffer.from(rb.SignedEntryTimestamp, 'base64'), rb.Payload, mock);
    // intoto v0.0.2 (rekor pkg/types/intoto/v0.0.2): the envelope with payload and signature base64-encoded twice,
    // the payload's SHA-256.
    const body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString()) as {
      kind: string;
      apiVersion: string;
      spec: { content: { payloadHash: { value: string }; envelope: { signatures: { sig: string }[] } } };
    };
    assert.equal(body.kind, 'intoto');
    assert.equal(body.apiVersion, '0.0.2');
    assert.equal(body.spec.content.payloadHash.value, sha256(statement).toString('hex'));
    assert.equal(Buffer.from(body.spec.content.envelope.signatures[0]!.sig, 'base64').toString(), env.signatures[0]!.sig);
    // The .att layer as a v0.1 DSSE bundle, through @sigstore/verify.
    const asBundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        x509CertificateChain: { certificates: [{ rawBytes: leaf.raw.toString('base64') }] },
        tlogEntries: [
          {
            logIndex: String(rb.Payload.logIndex),
            logId: { keyId: Buffer.from(rb.Payload.logID, 'hex').toString('base64') },
            kindVersion: { kind: 'intoto', version: '0.0.2' },
            integratedTime: String(rb.Payload.integratedTime),
            inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
            canonicalizedBody: rb.Payload.body,
          },
        ],
      },
      dsseEnvelope: { payload: env.payload, payloadType: env.payloadType, signatures: [{ sig: env.signatures[0]!.sig, keyid: '' }] },
    });
    verifier.verify(toSignedEntity(asBundle), { subjectAlternativeName: SUB, extensions: { issuer: ISS } });

    const [ref] = await bundleReferrers('team/att', img.manifestDigest);
    assert.equal(ref!.manifest.annotations['dev.sigstore.bundle.predicateType'], 'https://slsa.dev/provenance/v0.2');
    verifier.verify(toSignedEntity(bundleFromJSON(ref!.bundle)), { subjectAlternativeName: SUB, extensions: { issuer: ISS } });
    const tlog = (ref!.bundle as { verificationMaterial: { tlogEntries: { kindVersion: { kind: string } }[] } }).verificationMaterial.tlogEntries;
    assert.deepEqual(tlog.map((t) => t.kindVersion.kind), ['dsse']);
  });

  test('--recursive: every platform image signed in both forms with one Fulcio certificate', async () => {
    const signing = keyless();
    const fulcioBefore = mock.fulcio.requests;
    const rekorBefore = mock.rekor.requests;
    const res = await signImage({ image: `${reg.host}/team/multi:1`, signer: signing, registry: client, recursive: true });
    assert.deepEqual([...new Set(res.signed.map((s) => s.digest))], [multiDigest, ...childDigests]);
    assert.equal(mock.fulcio.requests - fulcioBefore, 1);
    assert.equal(mock.rekor.requests - rekorBefore, 6);
    for (const d of [multiDigest, ...childDigests]) {
      const sig = await manifestJson<{ layers: Layer[] }>('team/multi', `sha256-${hexOf(d)}.sig`);
      const payload = JSON.parse((await blob('team/multi', sig.layers[0]!.digest)).toString()) as { critical: { image: { 'docker-manifest-digest': string } } };
      assert.equal(payload.critical.image['docker-manifest-digest'], d);
      const [ref] = await bundleReferrers('team/multi', d);
      verifier.verify(toSignedEntity(bundleFromJSON(ref!.bundle)), { subjectAlternativeName: SUB, extensions: { issuer: ISS } });
    }
  });

  test('--timestamp-server-url: RFC 3161 timestamps in the annotation and the bundle, verified against the TSA', async () => {
    const img = buildImage([await buildLayer(await makeTar([{ path: 'tsa', content: 'timestamped\n' }]))]);
    await pushImage(client, `${reg.host}/team/tsa:1`, { image: img });
    const tsaBefore = mock.tsa.requests;
    await signImage({ image: `${reg.host}/team/tsa@${img.manifestDigest}`, signer: keyless({ timestampServerUrl: mock.tsa.url }), registry: client });
    assert.equal(mock.tsa.requests - tsaBefore, 2);
    const sig = await manifestJson<{ layers: Layer[] }>('team/tsa', `sha256-${hexOf(img.manifestDigest)}.sig`);
    const ts = JSON.parse(sig.layers[0]!.annotations['dev.sigstore.cosign/rfc3161timestamp']!) as { SignedRFC3161Timestamp: string };
    assert.deepEqual(Object.keys(ts), ['SignedRFC3161Timestamp']);
    assert.equal(Buffer.from(ts.SignedRFC3161Timestamp, 'base64')[0], 0x30); // a DER SEQUENCE (TimeStampToken)
    const [ref] = await bundleReferrers('team/tsa', img.manifestDigest);
    const b = bundleFromJSON(ref!.bundle);
    assert.equal(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length, 1);
    // Two timestamps required (the log's integrated time and the TSA's): the TSA's must verify against the root.
    const strict = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(mock.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 2 });
    strict.verify(toSignedEntity(b), { subjectAlternativeName: SUB, extensions: { issuer: ISS } });
  });

  test('the Signer interface stays pluggable: a KMS-style key takes the place of the ephemeral one', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let signatures = 0;
    const kms: Signer = {
      algorithm: 'ecdsa-p256-sha256',
      description: 'awskms:///alias/release',
      publicKey: async () => publicKey,
      sign: async (data) => {
        signatures++;
        return cryptoSign('sha256', data, privateKey);
      },
    };
    const img = buildImage([await buildLayer(await makeTar([{ path: 'kms', content: 'kms\n' }]))]);
    await pushImage(client, `${reg.host}/team/kms:1`, { image: img });
    const tok = token();
    const signing = keyless({ identityToken: tok, key: kms });
    await signImage({ image: `${reg.host}/team/kms@${img.manifestDigest}`, signer: signing, registry: client, form: 'legacy' });
    assert.equal(signatures, 2, 'the proof of possession and the signature');
    const sig = await manifestJson<{ layers: Layer[] }>('team/kms', `sha256-${hexOf(img.manifestDigest)}.sig`);
    const leaf = new X509Certificate(sig.layers[0]!.annotations['dev.sigstore.cosign/certificate']!);
    assert.ok(leaf.publicKey.equals(publicKey), 'Fulcio certified the given key');
    // The token is nowhere in the object's inspection or serialization.
    assert.ok(!inspect(signing, { depth: 10, showHidden: true }).includes(tok));
    assert.ok(!JSON.stringify(signing).includes(tok));
    // Fulcio certifies ECDSA P-256 keys only.
    const ed = generateKeyPairSync('ed25519');
    const edSigner: Signer = { algorithm: 'ed25519', description: 'ed.key', publicKey: async () => ed.publicKey, sign: async (d) => cryptoSign(null, d, ed.privateKey) };
    await assert.rejects(
      signImage({ image: `${reg.host}/team/kms@${img.manifestDigest}`, signer: keyless({ key: edSigner }), registry: client }),
      (e: unknown) => e instanceof SignError && e.code === 'UNSUPPORTED_KEY' && /Fulcio certifies ECDSA P-256 keys; ed.key is ed25519/.test(e.message),
    );
  });

  describe('failures write nothing', () => {
    const isSignError = (e: unknown, pattern: RegExp) => {
      assert.ok(e instanceof SignError, String(e));
      assert.equal(e.code, 'SIGNING_FAILED');
      assert.match(e.message, pattern);
      return true;
    };
    let n = 0;
    /** A fresh image, and a check that nothing was written next to it. */
    async function freshImage(): Promise<{ image: string; repo: string; digest: string; untouched: () => Promise<void> }> {
      const img = buildImage([await buildLayer(await makeTar([{ path: 'f', content: `fail ${++n}\n` }]))]);
      const repo = `team/fail${n}`;
      await pushImage(client, `${reg.host}/${repo}:1`, { image: img });
      return {
        image: `${reg.host}/${repo}@${img.manifestDigest}`,
        repo,
        digest: img.manifestDigest,
        untouched: async () => {
          assert.equal(await exists(repo, `sha256-${hexOf(img.manifestDigest)}.sig`), false);
          assert.equal(await exists(repo, `sha256-${hexOf(img.manifestDigest)}.att`), false);
          assert.equal(await exists(repo, `sha256-${hexOf(img.manifestDigest)}`), false);
        },
      };
    }

    test('Fulcio answers 401: a SignError naming Fulcio and its answer; Rekor never asked', async () => {
      const f = await freshImage();
      const token_ = token();
      mock.fulcio.failWith = { status: 401, body: JSON.stringify({ code: 16, message: 'There was an error processing the identity token' }), contentType: 'application/json' };
      const rekorBefore = mock.rekor.requests;
      try {
        await assert.rejects(
          signImage({ image: f.image, signer: keyless({ identityToken: token_ }), registry: client }),
          (e: unknown) => isSignError(e, new RegExp(`^Fulcio at ${mock.fulcio.url} did not issue a certificate: HTTP \\(401\\) There was an error processing the identity token$`)) && !(e as Error).message.includes(token_),
        );
      } finally {
        delete mock.fulcio.failWith;
      }
      assert.equal(mock.rekor.requests, rekorBefore);
      await f.untouched();
    });

    test('Fulcio unreachable: a SignError naming the URL', async () => {
      const f = await freshImage();
      // A port that was just listened on and closed: nothing answers there.
      const server = http.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const deadUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await assert.rejects(
        attestImage({ image: f.image, signer: keyless({ fulcioUrl: deadUrl }), type: 'custom', predicate: Buffer.from('{}'), registry: client }),
        (e: unknown) => isSignError(e, new RegExp(`^Fulcio at ${deadUrl} did not issue a certificate: .*ECONNREFUSED`)),
      );
      await f.untouched();
    });

    test('Rekor fails on the second signature (the bundle): the first is not written either', async () => {
      const f = await freshImage();
      mock.rekor.failWith = { status: 500, body: 'the log is down' };
      mock.rekor.failAfter = 1;
      const rekorBefore = mock.rekor.requests;
      try {
        await assert.rejects(
          signImage({ image: f.image, signer: keyless(), registry: client }),
          (e: unknown) => isSignError(e, new RegExp(`^Rekor at ${mock.rekor.url} did not record the signature: HTTP \\(500\\)`)),
        );
      } finally {
        delete mock.rekor.failWith;
      }
      assert.equal(mock.rekor.requests - rekorBefore, 2, 'the hashedrekord entry was made, the dsse one failed');
      await f.untouched();
    });

    test('the timestamp authority fails: nothing written', async () => {
      const f = await freshImage();
      mock.tsa.failWith = { status: 400, body: 'bad request' };
      try {
        await assert.rejects(
          signImage({ image: f.image, signer: keyless({ timestampServerUrl: mock.tsa.url }), registry: client, form: 'legacy' }),
          (e: unknown) => isSignError(e, new RegExp(`^the timestamp authority at ${mock.tsa.url} did not timestamp the signature: HTTP \\(400\\)`)),
        );
      } finally {
        delete mock.tsa.failWith;
      }
      await f.untouched();
    });

    test('a malformed token is a usage error before any request', () => {
      const before = mock.fulcio.requests;
      assert.throws(
        () => keyless({ identityToken: 'eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln' }),
        (e: unknown) => e instanceof UsageError && /identity token .* is not a usable OIDC token: its payload is not JSON/.test(e.message),
      );
      assert.equal(mock.fulcio.requests, before);
    });
  });

  describe('CLI', () => {
    interface Run {
      code: number | null;
      stdout: string;
      stderr: string;
    }
    /** The CLI as a user runs it (src/cli/main.ts's command tree), in its own process. */
    function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
      const main = path.join(repoRoot, 'src', 'cli', 'main.ts');
      const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(${JSON.stringify(args)});`;
      const base: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(tmp, 'no-docker-config') };
      delete base.SIGSTORE_ID_TOKEN;
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    }
    const secretsAbsent = (r: Run, tok: string) => {
      const all = r.stdout + r.stderr;
      assert.ok(!all.includes(tok), 'the identity token is never printed');
      assert.ok(!/PRIVATE KEY/.test(all), 'no private key material');
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    };

    test('sign --identity-token → verify --certificate-identity --trusted-root (the mock root)', async () => {
      const img = buildImage([await buildLayer(await makeTar([{ path: 'cli', content: 'keyless cli\n' }]))]);
      await pushImage(client, `${reg.host}/team/cli:1`, { image: img });
      const tok = token();
      const urls = ['--fulcio-url', mock.fulcio.url, '--rekor-url', mock.rekor.url];
      const s = await cli(['sign', '--identity-token', tok, ...urls, `${reg.host}/team/cli:1`]);
      secretsAbsent(s, tok);
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stderr, new RegExp(`Signed with a certificate from ${mock.fulcio.url} for ${SUB.replace(/[.]/g, '\\.')} \\(OIDC issuer ${ISS.replace(/[.]/g, '\\.')}\\)`));
      assert.match(s.stderr, /tlog entry created with index: \d+ \(hashedrekord, /);
      assert.match(s.stderr, /tlog entry created with index: \d+ \(dsse, /);
      assert.doesNotMatch(s.stderr, /nothing was uploaded to a transparency log/);

      const v = await cli(['verify', '--certificate-identity', SUB, '--certificate-oidc-issuer', ISS, '--trusted-root', trustedRootFile, `${reg.host}/team/cli:1`]);
      assert.equal(v.code, 0, v.stderr);
      const printed = JSON.parse(v.stdout) as { critical: { image: { 'docker-manifest-digest': string } }; optional: { Subject?: string; Issuer?: string } }[];
      assert.equal(printed.length, 2);
      for (const p of printed) {
        assert.equal(p.critical.image['docker-manifest-digest'], img.manifestDigest);
        assert.equal(p.optional.Subject, SUB);
        assert.equal(p.optional.Issuer, ISS);
      }
      // Another identity: nothing verifies (exit 1).
      const other = await cli(['verify', '--certificate-identity', 'https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main', '--certificate-oidc-issuer', ISS, '--trusted-root', trustedRootFile, `${reg.host}/team/cli:1`]);
      assert.equal(other.code, 1, other.stderr);
    });

    test('attest with SIGSTORE_ID_TOKEN and a token file → verify-attestation keylessly', async () => {
      const img = buildImage([await buildLayer(await makeTar([{ path: 'cli-att', content: 'keyless cli att\n' }]))]);
      await pushImage(client, `${reg.host}/team/cliatt:1`, { image: img });
      const predicateFile = path.join(tmp, 'predicate.json');
      await writeFile(predicateFile, JSON.stringify({ note: 'keyless attestation' }));
      const tok = token();
      const urls = ['--fulcio-url', mock.fulcio.url, '--rekor-url', mock.rekor.url];
      const a = await cli(['attest', '--predicate', predicateFile, '--type', 'custom', ...urls, `${reg.host}/team/cliatt:1`], { SIGSTORE_ID_TOKEN: tok });
      secretsAbsent(a, tok);
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stderr, /tlog entry created with index: \d+ \(intoto, /);
      const tokenFile = path.join(tmp, 'token.jwt');
      const tok2 = token();
      await writeFile(tokenFile, `${tok2}\n`, { mode: 0o600 });
      const a2 = await cli(['attest', '--predicate', predicateFile, '--identity-token', tokenFile, '--form', 'legacy', ...urls, `${reg.host}/team/cliatt:1`]);
      secretsAbsent(a2, tok2);
      assert.equal(a2.code, 0, a2.stderr);

      const v = await cli(['verify-attestation', '--type', 'custom', '--certificate-identity', SUB, '--certificate-oidc-issuer', ISS, '--trusted-root', trustedRootFile, '--output', 'json', `${reg.host}/team/cliatt:1`]);
      assert.equal(v.code, 0, v.stderr);
      const statements = JSON.parse(v.stdout) as { subject: { digest: { sha256: string } }[]; predicate: { data?: unknown } }[];
      assert.equal(statements.length, 3); // .att layers of both runs, and the bundle
      for (const st of statements) assert.equal(st.subject[0]!.digest.sha256, hexOf(img.manifestDigest));
    });

    test('usage errors (exit 2): no key and no token; a malformed token; --key with --identity-token; --tlog-upload=false', async () => {
      const image = `${reg.host}/team/app:1.0`;
      const none = await cli(['sign', image]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /--key \(a private key\) or an OIDC identity token for keyless signing \(--identity-token, or SIGSTORE_ID_TOKEN\) is required/);
      const bad = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
      const malformed = await cli(['sign', '--identity-token', bad, '--fulcio-url', mock.fulcio.url, image]);
      assert.equal(malformed.code, 2);
      assert.match(malformed.stderr, /the identity token from --identity-token is not a usable OIDC token: it has no "iss" \(issuer\) claim/);
      secretsAbsent(malformed, bad);
      const envBad = await cli(['attest', '--predicate', path.join(tmp, 'predicate.json'), image], { SIGSTORE_ID_TOKEN: 'garbage' });
      assert.equal(envBad.code, 2);
      assert.match(envBad.stderr, /the identity token from SIGSTORE_ID_TOKEN is not a usable OIDC token/);
      const both = await cli(['sign', '--key', path.join(tmp, 'nope.key'), '--identity-token', token(), image]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /either --key .* or --identity-token .*, not both/);
      const noTlog = await cli(['sign', '--identity-token', token(), '--tlog-upload=false', image]);
      assert.equal(noTlog.code, 2);
      assert.match(noTlog.stderr, /--tlog-upload=false is not supported for keyless signing/);
    });

    test('Fulcio refusing the token: exit 3, the URL named, nothing written', async () => {
      const img = buildImage([await buildLayer(await makeTar([{ path: 'cli-fail', content: 'refused\n' }]))]);
      await pushImage(client, `${reg.host}/team/clifail:1`, { image: img });
      mock.fulcio.failWith = { status: 400, body: JSON.stringify({ code: 3, message: 'The OIDC token is expired' }), contentType: 'application/json' };
      const tok = token();
      try {
        const r = await cli(['sign', '--identity-token', tok, '--fulcio-url', mock.fulcio.url, '--rekor-url', mock.rekor.url, `${reg.host}/team/clifail:1`]);
        secretsAbsent(r, tok);
        assert.equal(r.code, 3);
        assert.match(r.stderr, new RegExp(`Fulcio at ${mock.fulcio.url} did not issue a certificate: HTTP \\(400\\) The OIDC token is expired`));
      } finally {
        delete mock.fulcio.failWith;
      }
      assert.equal(await exists('team/clifail', `sha256-${hexOf(img.manifestDigest)}.sig`), false);
      assert.equal(await exists('team/clifail', `sha256-${hexOf(img.manifestDigest)}`), false);
    });
  });
});
