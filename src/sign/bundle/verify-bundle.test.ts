/**
 * Sigstore bundles beyond the conformance suite (../shared/data/interop/sigstore-bundles/index.json, with the
 * upstream tests' expectations), identity matching with cosign's rules, digest-only signatures, and the shape
 * checks on bundles and trusted roots.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SignError, UsageError, type TollgateEvent } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { decodeBundle, decodeTrustedRoot, parseArtifactDigest, readTrustedRoot, verifyBundle, type ArtifactRef, type IdentityPolicy } from './index.js';
import { verifyPrehashed } from './prehashed-signature.js';

const dir = shared('interop', 'sigstore-bundles');
const conformance = shared('interop', 'sigstore-conformance');
const root = (file: string) => decodeTrustedRoot(readFileSync(path.join(dir, file)), file);
const bundleBytes = (file: string) => readFileSync(path.join(dir, file));
const PUBLIC_GOOD = '../trusted-roots/sigstore-public-good.json';

/** The first subject of a bundle's in-toto statement, read straight from the upstream file. */
function subjectDigest(file: string): ArtifactRef {
  const b = JSON.parse(bundleBytes(file).toString('utf8')) as { dsseEnvelope: { payload: string } };
  const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: { digest: Record<string, string> }[] };
  const [alg, hex] = Object.entries(st.subject[0]!.digest)[0]!;
  return parseArtifactDigest(`${alg}:${hex}`);
}

function keyless(file: string, artifact: ArtifactRef, identity: IdentityPolicy, trusted = PUBLIC_GOOD, events?: (e: TollgateEvent) => void) {
  return verifyBundle({ bundle: bundleBytes(file), bundleName: file, artifact, trustedRoot: root(trusted), identity, ...(events ? { events } : {}) });
}

describe('sample bundles (sigstore-bundles/index.json)', () => {
  test('cosign OCI attestation (v0.3, DSSE, dsse/0.0.1 entry) verifies for its signer and image digest', () => {
    const r = keyless(
      'cosign-oci-attestation.sigstore.json',
      parseArtifactDigest('sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4'),
      { subject: 'cody@soyland.com', issuer: 'https://github.com/login/oauth' },
      '../trusted-roots/cosign-trusted_root_pgi.json',
    );
    assert.equal(r.verified, true, !r.verified ? r.reason : '');
    assert.equal(r.bundle.version, '0.3');
    assert.deepEqual(r.bundle.tlogEntries.map((t) => `${t.kind}/${t.version}`), ['dsse/0.0.1']);
    assert.equal(r.statement?.subjects[0]?.name, '127.0.0.1:60943/repo');
    assert.equal(r.statement?.predicateType, 'https://cosign.sigstore.dev/attestation/v1');
  });

  test('sigstore.js 2.0.0 provenance (v0.1, intoto/0.0.2) verifies; its sha512 subject is the artifact', () => {
    const identity = { subject: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' };
    const r = keyless(
      'sigstore-go-sigstore.js@2.0.0-provenance.sigstore.json',
      parseArtifactDigest('sha512:46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c'),
      identity,
    );
    assert.equal(r.verified, true, !r.verified ? r.reason : '');
    assert.equal(r.bundle.version, '0.1');
    // Another package's digest is not this attestation's subject.
    const other = keyless('sigstore-go-sigstore.js@2.0.0-provenance.sigstore.json', parseArtifactDigest(`sha512:${'ab'.repeat(64)}`), identity);
    assert.equal(other.verified, false);
    assert.equal(!other.verified && other.code, 'ARTIFACT_MISMATCH');
  });

  test('sigstore-go dsse (v0.1, chain with intermediate and root) verifies for brian@dehamer.com', () => {
    const r = keyless(
      'sigstore-go-dsse.sigstore.json',
      parseArtifactDigest('sha512:bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f'),
      // The index documents the SAN only; any issuer is accepted here.
      { subject: 'brian@dehamer.com', issuerRegExp: '.*' },
    );
    assert.equal(r.verified, true, !r.verified ? r.reason : '');
  });

  test('sigstore-go dsse with 2 signatures is rejected (DSSE envelopes in bundles hold exactly one)', () => {
    assert.throws(
      () => keyless('sigstore-go-dsse-2sigs.sigstore.json', subjectDigest('sigstore-go-dsse-2sigs.sigstore.json'), { subject: 'brian@dehamer.com', issuerRegExp: '.*' }),
      (e: unknown) => e instanceof SignError && e.code === 'BUNDLE_MALFORMED' && /signatures/.test(e.message),
    );
  });

  test("othername SAN: verifies as 'foo!oidc.local', never as 'foo@oidc.local'", () => {
    const artifact = parseArtifactDigest('sha256:bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b');
    const file = 'sigstore-go-othername.sigstore.json';
    const trusted = '../trusted-roots/sigstore-go-scaffolding.json';
    const ok = keyless(file, artifact, { subject: 'foo!oidc.local', issuer: 'http://oidc.local:8080' }, trusted);
    assert.equal(ok.verified, true, !ok.verified ? ok.reason : '');
    const email = keyless(file, artifact, { subject: 'foo@oidc.local', issuer: 'http://oidc.local:8080' }, trusted);
    assert.equal(!email.verified && email.code, 'IDENTITY_MISMATCH');
  });

  test('public-key validity: verifies with the key trusted without bounds; not with a 1970 validity window', () => {
    const file = 'sigstore-go-public-key-validity.sigstore.json';
    const key = createPublicKey(readFileSync(path.join(dir, 'sigstore-go-public-key-validity.pem')));
    const base = {
      bundle: bundleBytes(file),
      artifact: { kind: 'bytes' as const, bytes: Buffer.from('test content') },
      trustedRoot: root('../trusted-roots/sigstore-go-public-key-validity.json'),
      // The bundle has no transparency-log entry, only an RFC 3161 timestamp (the upstream test requires signed
      // timestamps only); cosign's equivalent is --insecure-ignore-tlog.
      ignoreTlog: true,
    };
    const ok = verifyBundle({ ...base, keys: [{ key, source: 'public-key-validity.pem' }] });
    assert.equal(ok.verified, true, !ok.verified ? ok.reason : '');
    assert.deepEqual(ok.verified && ok.timestamps.map((t) => t.source), ['timestamp-authority']);
    const windowed = verifyBundle({
      ...base,
      keys: [{ key, source: 'public-key-validity.pem', notBefore: new Date('1970-01-01T00:00:00Z'), notAfter: new Date('1970-01-01T00:00:01Z') }],
    });
    assert.equal(!windowed.verified && windowed.code, 'KEY_NOT_TRUSTED');
    // Without --insecure-ignore-tlog a bundle with no log entry does not verify.
    const strict = verifyBundle({ ...base, ignoreTlog: false, keys: [{ key, source: 'public-key-validity.pem' }] });
    assert.equal(!strict.verified && strict.code, 'TLOG_INVALID');
  });

  test('sigstore-go example provenance (v0.1) verifies for the sigstore-js release workflow', () => {
    const file = 'sigstore-go-example-bundle-provenance.json';
    const r = keyless(file, subjectDigest(file), {
      subject: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    assert.equal(r.verified, true, !r.verified ? r.reason : '');
  });

  test('sigstore-go example publish attestation verifies with its managed key, and not with another key', () => {
    const file = 'sigstore-go-example-bundle-publish.json';
    const key = createPublicKey(readFileSync(path.join(dir, 'sigstore-go-example-publish_key.pub')));
    const opts = { bundle: bundleBytes(file), artifact: subjectDigest(file), trustedRoot: root(PUBLIC_GOOD) };
    const r = verifyBundle({ ...opts, keys: [{ key, source: 'publish_key.pub' }] });
    assert.equal(r.verified, true, !r.verified ? r.reason : '');
    assert.equal(r.verified && r.signer.key?.hint, 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const wrong = verifyBundle({ ...opts, keys: [{ key: other, source: 'other.pub' }] });
    assert.equal(!wrong.verified && wrong.code, 'SIGNATURE_MISMATCH');
    // Key rotation: any trusted key may have signed.
    const both = verifyBundle({ ...opts, keys: [{ key: other, source: 'other.pub' }, { key, source: 'publish_key.pub' }] });
    assert.equal(both.verified && both.signer.key?.source, 'publish_key.pub');
    // A keyless policy cannot verify a key-signed bundle.
    const asKeyless = verifyBundle({ ...opts, identity: { subjectRegExp: '.*', issuerRegExp: '.*' } });
    assert.equal(!asKeyless.verified && asKeyless.code, 'KEY_NOT_TRUSTED');
  });
});

describe('identity matching (cosign rules, Go RE2)', () => {
  const happy = path.join(conformance, 'bundle-verify', 'happy-path-v0.3', 'bundle.sigstore.json');
  const a = parseArtifactDigest('sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf');
  const identity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
  const issuer = 'https://token.actions.githubusercontent.com';
  const check = (policy: IdentityPolicy, events?: (e: TollgateEvent) => void) =>
    verifyBundle({
      bundle: readFileSync(happy),
      artifact: a,
      trustedRoot: decodeTrustedRoot(readFileSync(path.join(dir, PUBLIC_GOOD))),
      identity: policy,
      ...(events ? { events } : {}),
    });

  test('exact identity and issuer compare for equality', () => {
    assert.equal(check({ subject: identity, issuer }).verified, true);
    const prefix = check({ subject: identity.slice(0, -4), issuer });
    assert.equal(!prefix.verified && prefix.code, 'IDENTITY_MISMATCH');
    assert.match(!prefix.verified ? prefix.reason : '', /extremely-dangerous-oidc-beacon\.yml@refs\/heads\/main/);
    const wrongIssuer = check({ subject: identity, issuer: 'https://accounts.google.com' });
    assert.equal(!wrongIssuer.verified && wrongIssuer.code, 'IDENTITY_MISMATCH');
  });

  test('regular expressions are unanchored, as regexp.MatchString, and warned about', () => {
    const events: TollgateEvent[] = [];
    assert.equal(check({ subjectRegExp: 'sigstore-conformance', issuerRegExp: 'actions' }, (e) => events.push(e)).verified, true);
    assert.deepEqual(
      events.filter((e) => e.type === 'warning').map((e) => (e as { code?: string }).code),
      ['UNANCHORED_REGEXP', 'UNANCHORED_REGEXP'],
    );
    const anchored: TollgateEvent[] = [];
    assert.equal(check({ subjectRegExp: '^sigstore-conformance$', issuerRegExp: `^${issuer.replace(/\./g, '\\.')}$` }, (e) => anchored.push(e)).verified, false);
    assert.equal(anchored.length, 0);
  });

  test('RE2 syntax: inline flags and \\A…\\z work, lookahead is rejected as a usage error', () => {
    // (?i) and \z are RE2 (and not JavaScript RegExp) syntax.
    assert.equal(check({ subjectRegExp: '(?i)^HTTPS://GITHUB\\.COM/SIGSTORE-CONFORMANCE/', issuer }).verified, true);
    assert.equal(check({ subject: identity, issuerRegExp: '\\Ahttps://token\\.actions\\.githubusercontent\\.com\\z' }).verified, true);
    assert.throws(() => check({ subjectRegExp: 'github(?=\\.com)', issuer }), (e: unknown) => e instanceof UsageError && /RE2/.test(e.message));
  });

  test('exactly one subject and one issuer condition', () => {
    assert.throws(() => check({ subject: identity }), UsageError);
    assert.throws(() => check({ subject: identity, subjectRegExp: '.*', issuer }), UsageError);
    assert.throws(() => check({ issuer }), UsageError);
  });
});

describe('digest-only signatures', () => {
  const data = Buffer.from('the artifact');
  for (const [type, opts, algorithm] of [
    ['ec', { namedCurve: 'P-256' }, 'sha256'],
    ['ec', { namedCurve: 'P-384' }, 'sha384'],
    ['ec', { namedCurve: 'P-521' }, 'sha512'],
    ['rsa', { modulusLength: 2048 }, 'sha256'],
    ['rsa', { modulusLength: 3072 }, 'sha512'],
  ] as const) {
    test(`${type} ${JSON.stringify(opts)} ${algorithm}: a digest verifies what node:crypto signed over the data`, () => {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ec', opts as { namedCurve: string });
      const sig = sign(algorithm, data, privateKey);
      const digest = createHash(algorithm).update(data).digest();
      assert.equal(verifyPrehashed(publicKey, algorithm, digest, sig), true);
      const other = createHash(algorithm).update('another artifact').digest();
      assert.equal(verifyPrehashed(publicKey, algorithm, other, sig), false);
      assert.equal(verifyPrehashed(publicKey, algorithm, digest, Buffer.from(sig).fill(1, 10, 12)), false);
    });
  }

  test('Ed25519 signs the whole message: digest-only is refused', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const sig = sign(null, data, privateKey);
    assert.throws(() => verifyPrehashed(publicKey, 'sha256', createHash('sha256').update(data).digest(), sig), UsageError);
  });

  test('--digest syntax', () => {
    assert.deepEqual(parseArtifactDigest(`sha256:${'A'.repeat(64)}`), { kind: 'digest', algorithm: 'sha256', digest: Buffer.alloc(32, 0xaa) });
    for (const bad of ['a0cf', `sha256:${'a'.repeat(63)}`, `md5:${'a'.repeat(32)}`, `sha256:${'g'.repeat(64)}`]) {
      assert.throws(() => parseArtifactDigest(bad), UsageError, bad);
    }
  });
});

describe('bundle and trusted-root shape', () => {
  const happy = readFileSync(path.join(conformance, 'bundle-verify', 'happy-path-v0.3', 'bundle.sigstore.json'));
  // The fields of the upstream JSON that the tests below break, one at a time.
  interface BundleJson {
    mediaType?: string;
    messageSignature?: { signature: string };
    verificationMaterial: { tlogEntries: { canonicalizedBody: string; integratedTime: string }[] };
  }
  const edit = (f: (j: BundleJson) => void) => {
    const j = JSON.parse(happy.toString('utf8')) as BundleJson;
    f(j);
    return Buffer.from(JSON.stringify(j));
  };

  test('v0.3 bundle decodes; line-wrapped base64 is accepted as Go accepts it', () => {
    assert.equal(decodeBundle(happy).version, '0.3');
    const wrapped = edit((j) => {
      const sig = j.messageSignature!.signature;
      j.messageSignature!.signature = `${sig.slice(0, 20)}\n${sig.slice(20)}`;
    });
    assert.equal(decodeBundle(wrapped).version, '0.3');
  });

  test('not an object, no media type, invalid base64, negative integers: BUNDLE_MALFORMED naming the field', () => {
    const malformed = (bytes: Buffer, re: RegExp) =>
      assert.throws(() => decodeBundle(bytes, 'b.json'), (e: unknown) => e instanceof SignError && e.code === 'BUNDLE_MALFORMED' && re.test(e.message));
    malformed(Buffer.from('[]'), /b\.json: not a JSON object/);
    malformed(edit((j) => delete j.mediaType), /no mediaType/);
    malformed(edit((j) => (j.verificationMaterial.tlogEntries[0]!.canonicalizedBody = 'e30=*')), /tlogEntries\[0\]\.canonicalizedBody is not valid base64/);
    malformed(edit((j) => (j.verificationMaterial.tlogEntries[0]!.integratedTime = '-5')), /integratedTime must be a non-negative integer/);
    malformed(edit((j) => delete j.messageSignature), /content/);
  });

  test('an unknown bundle version is UNSUPPORTED_BUNDLE', () => {
    assert.throws(
      () => decodeBundle(edit((j) => (j.mediaType = 'application/vnd.dev.sigstore.bundle.v0.4+json'))),
      (e: unknown) => e instanceof SignError && e.code === 'UNSUPPORTED_BUNDLE',
    );
  });

  test('trusted roots: a validity range needs its start; null ends are open ranges', () => {
    const text = readFileSync(path.join(dir, PUBLIC_GOOD), 'utf8');
    const j = JSON.parse(text) as { tlogs: { publicKey: { validFor?: unknown } }[] };
    j.tlogs[0]!.publicKey.validFor = { start: '2021-01-12T11:53:27Z', end: null };
    assert.ok(decodeTrustedRoot(Buffer.from(JSON.stringify(j))));
    j.tlogs[0]!.publicKey.validFor = { end: '2030-01-01T00:00:00Z' };
    assert.throws(
      () => decodeTrustedRoot(Buffer.from(JSON.stringify(j)), 'root.json'),
      (e: unknown) => e instanceof SignError && e.code === 'TRUSTED_ROOT_INVALID' && /root\.json: tlogs\[0\]\.publicKey\.validFor has no valid start/.test(e.message),
    );
    assert.throws(() => decodeTrustedRoot(Buffer.from('{"mediaType":"application/json"}')), (e: unknown) => e instanceof SignError && e.code === 'TRUSTED_ROOT_INVALID');
    assert.throws(() => decodeTrustedRoot(Buffer.from('{')), (e: unknown) => e instanceof SignError && e.code === 'TRUSTED_ROOT_INVALID');
  });

  test('no --trusted-root and nothing cached: a clear TRUSTED_ROOT_MISSING naming --trusted-root', async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'tollgate-root-'));
    try {
      await assert.rejects(readTrustedRoot(undefined, cache), (e: unknown) => e instanceof SignError && e.code === 'TRUSTED_ROOT_MISSING' && /--trusted-root/.test(e.message) && e.message.includes(cache));
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
