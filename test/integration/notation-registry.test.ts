/**
 * Notation signatures in registries and OCI layouts:
 *  - Connaisseur's captured registry (interop/notation/connaisseur: a notation-signed and an unsigned testimage,
 *    the signature manifest, its referrers-tag index and JWS envelope), served as Connaisseur's own mock registry
 *    serves it (testhelper/mock_notation_registry.go: `<repo>/manifests/<ref>.json`, no referrers API), with the
 *    outcomes of its notation_validator_test.go;
 *  - sign → verify round trips against a real distribution 2.8 (test/support harness; no referrers API, so the
 *    `sha256-<hex>` referrers tag is used), with a CA and leaf made here with node-forge, JWS and COSE;
 *  - a tamper matrix (another image's payload, a modified signature, a chain to another CA, a wrong trusted
 *    identity, an expired envelope, an image outside every registry scope);
 *  - OCI layouts: notation-go's oci-layout with its jws/cose signatures attached as referrers, and a layout saved
 *    from the registry.
 * What is stored is read back with the plain registry client and checked against the Notary Project signature
 * specification, not through the code under test.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { SignError, UsageError } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { MemoryTrustStore, parseTrustPolicy, signNotation, TrustStoreError, verifyNotation, type VerifyNotationResult } from '../../src/sign/notation/index.js';
import { saveImage } from '../../src/sign/index.js';
import { buildImage, buildLayer, makeTar, type BuiltImage } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { makeNotationPki } from '../support/notation-pki.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const NOTARY = 'application/vnd.cncf.notary.signature';

function policy(scopes: string[], stores: string[], ids: string[] = ['*'], sv: object = { level: 'strict' }) {
  return { version: '1.0', trustPolicies: [{ name: 'test', registryScopes: scopes, signatureVerification: sv, trustStores: stores, trustedIdentities: ids }] };
}

// ------------------------------------------------------------------ Connaisseur

const cdir = shared('interop', 'notation', 'connaisseur');

/** Connaisseur's NotationMockRegistry over plain HTTP: files `<repo>/manifests/<ref>.json` (`:` written as `_`). */
function connaisseurRegistry(): Promise<{ host: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0]!;
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (!m) return void res.writeHead(404).end();
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(cdir, m[1]!, m[2]!, `${m[3]!.replace(':', '_')}.json`));
    } catch {
      return void res.writeHead(404).end();
    }
    const type = m[2] === 'manifests' ? (JSON.parse(bytes.toString()) as { mediaType: string }).mediaType : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'docker-content-digest': sha(bytes), 'content-length': bytes.length });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ host: `127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) }),
    ),
  );
}

interface TrustRoot {
  name: string;
  cert?: string;
  key?: string;
  tsCert?: string;
}
const validator = (f: string) => parseYaml(readFileSync(path.join(cdir, f), 'utf8')) as { trustRoots?: TrustRoot[] } | string;

/** Connaisseur's InMemoryTrustStore + setUpTrustPolicy: one `ca:<root>` (and `tsa:<root>`) store per trust root. */
function connaisseurStore(roots: TrustRoot[]): MemoryTrustStore {
  const store = new MemoryTrustStore();
  for (const r of roots) {
    if (!r.cert) throw new TrustStoreError(`trust root ${r.name}: no certificate provided`);
    store.add('ca', r.name, r.cert);
    if (r.tsCert) store.add('tsa', r.name, r.tsCert);
  }
  return store;
}

describe("Connaisseur's captured Notation registry (notation_validator_test.go)", () => {
  let reg: { host: string; close: () => Promise<void> };
  let client: RegistryClient;
  let tmp: string;
  const roots = (validator('01_notation.yaml') as { trustRoots: TrustRoot[] }).trustRoots;
  before(async () => {
    reg = await connaisseurRegistry();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-connaisseur-notation-'));
    client = new RegistryClient({ dockerConfigDir: tmp, retries: 0 });
  });
  after(async () => {
    await client?.close();
    await reg?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  const image = (tag: string) => `${reg.host}/sse-secure-systems/testimage:${tag}`;
  const scope = () => `${reg.host}/sse-secure-systems/testimage`;
  const verify = (tag: string, stores: string[], sv: object = { level: 'strict', verifyTimestamp: 'always' }) =>
    verifyNotation({ image: image(tag), registry: client, trustPolicy: policy([scope()], stores, ['*'], sv), trustStore: connaisseurStore(roots) });

  test('case 1: notation-sign verifies with trust root "default" (strict), digest sha256:a136cc…', async () => {
    const r = await verify('notation-sign', ['ca:default']);
    assert.equal(r.digest, 'sha256:a136cc4e785798e5e8483047cf621cf0a0300a93d47703a3f066c340c070f5cf');
    assert.equal(r.rejected.length, 0, JSON.stringify(r.rejected));
    assert.equal(r.verified.length, 1);
    const v = r.verified[0]!;
    assert.equal(v.location, 'referrer sha256:d397b30282982b80818b2705f8d542d35158bc59d8bf42549f3e898f23d55a77');
    assert.equal(v.anchorId, 'notation:ca:default');
    assert.equal(v.subject, 'CN=securesystems.de,OU=Defensive,O=SSE,L=Berlin,ST=Berlin,C=DE');
    assert.equal(v.envelopeType, 'jws');
    // The thumbprint annotation of the captured manifest names the same (only) certificate.
    const ann = JSON.parse(readFileSync(path.join(cdir, 'sse-secure-systems/testimage/manifests/sha256_d397b30282982b80818b2705f8d542d35158bc59d8bf42549f3e898f23d55a77.json'), 'utf8')) as { annotations: Record<string, string> };
    assert.deepEqual(v.certificateChain.map((c) => c.slice(7)), JSON.parse(ann.annotations['io.cncf.notary.x509chain.thumbprint#S256']!));
  });

  test('case 2: notation-unsign has no signature', async () => {
    const r = await verify('notation-unsign', ['ca:default']);
    assert.equal(r.digest, 'sha256:c51f6b33b43f9f234af90bf310d976ea1bec487ab00ab61bd684b0efbbc15b53');
    assert.deepEqual([r.verified.length, r.rejected.length], [0, 0]);
  });

  test('case 3: audit level verifies', async () => {
    const r = await verify('notation-sign', ['ca:default'], { level: 'audit' });
    assert.equal(r.verified.length, 1);
    assert.equal(r.policy.level, 'audit');
  });

  test('case 4: trust root "different-cert" fails to verify the signature', async () => {
    const r = await verify('notation-sign', ['ca:different-cert']);
    assert.equal(r.verified.length, 0);
    assert.deepEqual(r.rejected.map((x) => x.code), ['KEY_NOT_TRUSTED']);
  });

  test('08_tsa_cert: a tsa store with verifyTimestamp always needs a countersignature, which this signature lacks', async () => {
    const tsaRoots = (validator('08_tsa_cert.yaml') as { trustRoots: TrustRoot[] }).trustRoots;
    const r = await verifyNotation({
      image: image('notation-sign'),
      registry: client,
      trustPolicy: policy([scope()], ['ca:default', 'tsa:default'], ['*'], { level: 'strict', verifyTimestamp: 'always' }),
      trustStore: connaisseurStore(tsaRoots),
    });
    assert.deepEqual(r.rejected.map((x) => [x.code, x.message]), [['TIMESTAMP_INVALID', 'no timestamp countersignature was found in the signature envelope']]);
    // afterCertExpiry: the certificate is valid until 2124, so no timestamp is needed.
    const r2 = await verifyNotation({
      image: image('notation-sign'),
      registry: client,
      trustPolicy: policy([scope()], ['ca:default', 'tsa:default'], ['*'], { level: 'strict', verifyTimestamp: 'afterCertExpiry' }),
      trustStore: connaisseurStore(tsaRoots),
    });
    assert.equal(r2.verified.length, 1);
  });

  test('invalid validator configurations (cases 02–06, 09) are refused', () => {
    assert.equal(typeof validator('03_unmarshal_err.yaml'), 'string', 'not a validator object');
    assert.deepEqual((validator('02_no_trust_root.yaml') as { trustRoots: unknown[] }).trustRoots, []);
    assert.throws(() => verifyNotationPolicyOnly([]), (e: unknown) => e instanceof UsageError && /missing trust stores/.test(e.message));
    for (const [f, re] of [
      ['04_invalid_cert.yaml', /no PEM CERTIFICATE block/],
      ['05_missing_cert.yaml', /no certificate provided/],
      ['06_decode_cert_err.yaml', /not an X\.509 certificate/],
      ['09_decode_tsa_cert_err.yaml', /not an X\.509 certificate/],
    ] as const) {
      assert.throws(() => connaisseurStore((validator(f) as { trustRoots: TrustRoot[] }).trustRoots), (e: unknown) => e instanceof TrustStoreError && re.test(e.message), f);
    }
  });
});

function verifyNotationPolicyOnly(stores: string[]) {
  return parseTrustPolicy(policy(['*'], stores));
}

// ------------------------------------------------------------------ PKI made here

async function writeTrustStore(dir: string, name: string, caPem: string): Promise<void> {
  await mkdir(path.join(dir, 'x509', 'ca', name), { recursive: true });
  await writeFile(path.join(dir, 'x509', 'ca', name, 'root.pem'), caPem);
}

// ------------------------------------------------------------------ registry round trips and tampering

describe('Notation sign → verify against distribution 2.8', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let tmp: string;
  let storeDir: string;
  let repo: string;
  let app: BuiltImage;
  let other: BuiltImage;
  const acme = makeNotationPki('Acme');
  const evil = makeNotationPki('Evil');

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-notation-'));
    client = new RegistryClient({ credentials: { username: reg.username!, password: reg.password! }, caFile: reg.caFile!, dockerConfigDir: tmp });
    repo = `${reg.host}/notation/app`;
    app = buildImage([await buildLayer(await makeTar([{ path: 'app', content: 'app\n' }]))]);
    other = buildImage([await buildLayer(await makeTar([{ path: 'other', content: 'other\n' }]))]);
    await pushImage(client, `${repo}:1`, { image: app });
    await pushImage(client, `${repo}:other`, { image: other });
    storeDir = path.join(tmp, 'trust-store');
    await writeTrustStore(storeDir, 'acme', acme.caPem);
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const acmePolicy = (ids: string[] = ['x509.subject:C=US,ST=WA,O=Acme'], scopes = [repo]) => policy(scopes, ['ca:acme'], ids);

  async function storedReferrers(digest: string): Promise<{ digest: string; manifest: Record<string, unknown> }[]> {
    const ref = parseReference(repo);
    const idx = JSON.parse((await client.getManifest(ref, `sha256-${digest.slice(7)}`)).bytes.toString()) as { manifests: { digest: string; artifactType?: string }[] };
    const out = [];
    for (const m of idx.manifests.filter((x) => x.artifactType === NOTARY)) out.push({ digest: m.digest, manifest: JSON.parse((await client.getManifest(ref, m.digest)).bytes.toString()) as Record<string, unknown> });
    return out;
  }

  /** Attaches `envelope` to `subject` as a Notary signature referrer, written here by hand (spec "Storage"). */
  async function attachRaw(subject: BuiltImage, envelope: Buffer, mediaType: string): Promise<string> {
    const ref = parseReference(repo);
    const empty = Buffer.from('{}');
    await client.pushBlob(ref, empty);
    await client.pushBlob(ref, envelope);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: NOTARY,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
        layers: [{ mediaType, digest: sha(envelope), size: envelope.length }],
        subject: { mediaType: subject.manifestMediaType, digest: subject.manifestDigest, size: subject.manifest.length },
        annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '[]' },
      }),
    );
    const digest = await client.putManifest(ref, sha(manifest), manifest, 'application/vnd.oci.image.manifest.v1+json');
    const tag = `sha256-${subject.manifestDigest.slice(7)}`;
    let idx: { schemaVersion: number; mediaType: string; manifests: unknown[] } = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
    try {
      idx = JSON.parse((await client.getManifest(ref, tag)).bytes.toString());
    } catch {
      // no referrers yet
    }
    idx.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, artifactType: NOTARY });
    await client.putManifest(ref, tag, Buffer.from(JSON.stringify(idx)), 'application/vnd.oci.image.index.v1+json');
    return digest;
  }

  async function verifyApp(trustPolicy: object, extra: { now?: Date; image?: string } = {}): Promise<VerifyNotationResult> {
    return verifyNotation({ image: extra.image ?? `${repo}:1`, registry: client, trustPolicy: trustPolicy as Record<string, unknown>, trustStoreDir: storeDir, ...(extra.now ? { now: extra.now } : {}) });
  }

  test('signNotation (JWS) stores a spec-conformant referrer; verifyNotation verifies it', async () => {
    const res = await signNotation({ image: `${repo}:1`, registry: client, key: acme.leafKey, certChain: acme.chainPem });
    assert.equal(res.digest, app.manifestDigest);
    assert.equal(res.envelopeMediaType, 'application/jose+json');
    const stored = await storedReferrers(app.manifestDigest);
    const mine = stored.find((s) => s.digest === res.signatureManifest)!;
    assert.ok(mine, 'listed in the sha256-<hex> referrers tag');
    const m = mine.manifest as { artifactType: string; config: { mediaType: string; size: number }; layers: { mediaType: string }[]; subject: { digest: string; size: number; mediaType: string }; annotations: Record<string, string> };
    assert.equal(m.artifactType, NOTARY);
    assert.equal(m.config.mediaType, 'application/vnd.oci.empty.v1+json');
    assert.equal(m.config.size, 2);
    assert.deepEqual(m.layers.map((l) => l.mediaType), ['application/jose+json']);
    assert.deepEqual(m.subject, { mediaType: app.manifestMediaType, digest: app.manifestDigest, size: app.manifest.length });
    assert.deepEqual(JSON.parse(m.annotations['io.cncf.notary.x509chain.thumbprint#S256']!), [sha(acme.leafDer).slice(7), sha(acme.caDer).slice(7)]);
    assert.match(m.annotations['org.opencontainers.image.created']!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const r = await verifyApp(acmePolicy());
    assert.equal(r.verified.length, 1, JSON.stringify(r.rejected));
    assert.equal(r.verified[0]!.anchorId, 'notation:ca:acme');
    assert.equal(r.verified[0]!.subject, 'CN=signer,O=Acme,ST=WA,C=US');
    assert.equal(r.verified[0]!.location, `referrer ${res.signatureManifest}`);
  });

  test('signNotation (COSE) verifies too, next to the JWS signature', async () => {
    const res = await signNotation({ image: `${repo}@${app.manifestDigest}`, registry: client, key: acme.leafKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certChain: acme.chainPem, envelope: 'cose' });
    assert.equal(res.envelopeMediaType, 'application/cose');
    const r = await verifyApp(acmePolicy());
    assert.deepEqual(r.verified.map((v) => v.envelopeType).sort(), ['cose', 'jws']);
  });

  test('tamper: the payload of another image (a valid signature of sha256:other attached to app)', async () => {
    await signNotation({ image: `${repo}:other`, registry: client, key: acme.leafKey, certChain: acme.chainPem });
    const [sig] = await storedReferrers(other.manifestDigest);
    const layer = (sig!.manifest as { layers: { digest: string; size: number }[] }).layers[0]!;
    const envelope = await client.getBlobBytes(parseReference(repo), layer.digest, 1 << 20);
    const digest = await attachRaw(app, envelope, 'application/jose+json');
    const r = await verifyApp(acmePolicy());
    const rej = r.rejected.find((x) => x.location === `referrer ${digest}`);
    assert.equal(rej?.code, 'DIGEST_MISMATCH', JSON.stringify(r.rejected));
  });

  test('tamper: a modified signature', async () => {
    // The JWS one (the COSE signature of the test before is there too, and referrer order is the registry's).
    const sig = (await storedReferrers(app.manifestDigest)).find((r) => (r.manifest as { layers: { mediaType: string }[] }).layers[0]?.mediaType === 'application/jose+json');
    const layer = (sig!.manifest as { layers: { digest: string }[] }).layers[0]!;
    const env = JSON.parse((await client.getBlobBytes(parseReference(repo), layer.digest, 1 << 20)).toString()) as { signature: string };
    const bytes = Buffer.from(env.signature, 'base64url');
    bytes[10] = bytes[10]! ^ 0x01;
    env.signature = bytes.toString('base64url');
    const digest = await attachRaw(app, Buffer.from(JSON.stringify(env)), 'application/jose+json');
    const r = await verifyApp(acmePolicy());
    assert.equal(r.rejected.find((x) => x.location === `referrer ${digest}`)?.code, 'SIGNATURE_MISMATCH');
  });

  test('tamper: a chain to a CA outside the trust store', async () => {
    const res = await signNotation({ image: `${repo}:1`, registry: client, key: evil.leafKey, certChain: evil.chainPem });
    const r = await verifyApp(acmePolicy(['*']));
    assert.equal(r.rejected.find((x) => x.location === `referrer ${res.signatureManifest}`)?.code, 'KEY_NOT_TRUSTED');
    assert.equal(r.verified.length, 2, 'the Acme signatures still verify');
  });

  test('tamper: a trusted identity the signer does not match', async () => {
    const r = await verifyApp(acmePolicy(['x509.subject:C=US,ST=WA,O=Acme,CN=release-bot']));
    assert.equal(r.verified.length, 0);
    assert.ok(r.rejected.filter((x) => x.code === 'IDENTITY_MISMATCH').length >= 2, JSON.stringify(r.rejected.map((x) => x.code)));
  });

  test('tamper: an expired envelope (io.cncf.notary.expiry) fails under strict, is logged under permissive', async () => {
    const expImage = buildImage([await buildLayer(await makeTar([{ path: 'exp', content: 'exp\n' }]))]);
    await pushImage(client, `${repo}:exp`, { image: expImage });
    const now = new Date();
    await signNotation({ image: `${repo}:exp`, registry: client, key: acme.leafKey, certChain: acme.chainPem, expiry: new Date(now.getTime() + 60_000), now });
    const later = new Date(now.getTime() + 3600_000);
    const strict = await verifyApp(acmePolicy(), { now: later, image: `${repo}:exp` });
    assert.deepEqual(strict.rejected.map((x) => x.code), ['SIGNATURE_EXPIRED']);
    const permissive = await verifyApp(policy([repo], ['ca:acme'], ['*'], { level: 'permissive' }), { now: later, image: `${repo}:exp` });
    assert.equal(permissive.verified.length, 1);
    assert.equal(permissive.verified[0]!.checks.find((c) => c.type === 'expiry')?.outcome, 'failed');
    const early = await verifyApp(acmePolicy(), { image: `${repo}:exp` });
    assert.equal(early.verified.length, 1);
  });

  test('tamper: an image outside every registry scope has no applicable policy', async () => {
    await assert.rejects(verifyApp(acmePolicy(['*'], [`${reg.host}/notation/elsewhere`])), (e: unknown) => e instanceof SignError && e.code === 'NO_APPLICABLE_POLICY');
    const skip = await verifyApp({ version: '1.0', trustPolicies: [{ name: 's', registryScopes: [repo], signatureVerification: { level: 'skip' } }] });
    assert.equal(skip.skipped, true);
  });

  test('signing refuses a key that does not belong to the leaf, and a chain that is not a valid code-signing chain', async () => {
    await assert.rejects(signNotation({ image: `${repo}:1`, registry: client, key: evil.leafKey, certChain: acme.chainPem }), (e: unknown) => e instanceof SignError && e.code === 'CERTIFICATE_INVALID');
    await assert.rejects(signNotation({ image: `${repo}:1`, registry: client, key: acme.leafKey, certChain: /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(acme.chainPem)![0] }), (e: unknown) => e instanceof SignError && e.code === 'CERTIFICATE_INVALID');
  });

  test('a layout saved from the registry verifies offline (oci-dir:)', async () => {
    const layout = path.join(tmp, 'layout');
    await saveImage({ image: `${repo}@${app.manifestDigest}`, dir: layout, registry: client });
    const r = await verifyNotation({ image: `oci-dir:${layout}`, trustPolicy: policy(['local/layout'], ['ca:acme'], ['x509.subject:C=US,ST=WA,O=Acme']), trustStoreDir: storeDir });
    assert.equal(r.scope, 'local/layout');
    assert.deepEqual(r.verified.map((v) => v.envelopeType).sort(), ['cose', 'jws']);
    assert.ok(r.rejected.some((x) => x.code === 'KEY_NOT_TRUSTED'));
  });
});

// ------------------------------------------------------------------ notation-go's OCI layout

describe("notation-go's oci-layout with its jws/cose signatures attached as referrers", () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-notation-layout-'));
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('both signatures verify with a trust store holding their certificate; without it, authenticity fails', async () => {
    const ndir = shared('interop', 'notation', 'notation-go');
    const layout = path.join(tmp, 'alpine');
    await cp(path.join(ndir, 'oci-layout'), layout, { recursive: true });
    const subjectBytes = await readFile(path.join(layout, 'blobs/sha256/19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0'));
    const empty = Buffer.from('{}');
    const put = async (b: Buffer) => writeFile(path.join(layout, 'blobs', 'sha256', sha(b).slice(7)), b);
    await put(empty);
    for (const [file, mediaType] of [['jws_signature.sig', 'application/jose+json'], ['cose_signature.sig', 'application/cose']] as const) {
      const env = await readFile(path.join(ndir, file));
      await put(env);
      await put(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            artifactType: NOTARY,
            config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
            layers: [{ mediaType, digest: sha(env), size: env.length }],
            subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(subjectBytes), size: subjectBytes.length },
          }),
        ),
      );
    }
    const x5c = (JSON.parse(await readFile(path.join(ndir, 'jws_signature.sig'), 'utf8')) as { header: { x5c: string[] } }).header.x5c[0]!;
    const store = new MemoryTrustStore().add('ca', 'alpine', Buffer.from(x5c, 'base64'));
    const ok = await verifyNotation({ image: `oci-dir:${layout}:v2`, trustPolicy: policy(['*'], ['ca:alpine'], ['x509.subject:C=US,ST=WA,L=Seattle,O=Notary,CN=alpine']), trustStore: store });
    assert.equal(ok.digest, 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0');
    assert.deepEqual(ok.verified.map((v) => v.envelopeType).sort(), ['cose', 'jws'], JSON.stringify(ok.rejected));
    const no = await verifyNotation({ image: `oci-dir:${layout}`, trustPolicy: policy(['*'], ['ca:valid-trust-store']), trustStoreDir: path.join(ndir, 'truststore') });
    assert.deepEqual(no.rejected.map((r) => r.code), ['KEY_NOT_TRUSTED', 'KEY_NOT_TRUSTED']);
  });
});
