/**
 * The Notation test vectors of ../shared/data/interop/notation (index.json): notation-go's envelopes (mock-envelopes,
 * timestamped-envelopes, jws_signature.sig, cose_signature.sig) against its trust store and trust policy, and
 * notation-core-go's JWS / COSE conformance headers. Expected outcomes are index.json's and notation-go's own test
 * expectations (verifier_test.go, timestamp_test.go); target descriptors are read from index.json or decoded here
 * with plain JSON / base64, never through the code under test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { decode as cborDecode, encode as cborEncode, Tagged } from 'cborg';
import { UsageError, SignError } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { decodeEnvelope, EnvelopeError } from './envelope.js';
import { parseDistinguishedName } from './distinguished-name.js';
import { applicablePolicy, parseTrustPolicy, type TrustPolicyStatement } from './trust-policy.js';
import { DirectoryTrustStore } from './trust-store.js';
import { verifyEnvelope, type NotationCheck } from './verify-notation.js';

const dir = shared('interop', 'notation');
const file = (...p: string[]) => readFileSync(path.join(dir, ...p));
const index = JSON.parse(file('index.json').toString()) as { envelopes: { file: string; target_digest?: string; target_mediaType?: string; target_size?: number; expected?: string }[] };
const store = new DirectoryTrustStore(path.join(dir, 'notation-go', 'truststore'));
const policyDoc = parseTrustPolicy(file('trustpolicy-notation-go-tests.oci.json').toString(), 'trustpolicy-notation-go-tests.oci.json');
const netMonitor = applicablePolicy(policyDoc, 'registry.acme-rockets.io/software/net-monitor');
const mediaTypeOf = (bytes: Buffer) => (bytes[0] === 0x7b ? 'application/jose+json' : 'application/cose');

/** ca_valid_sig_env's target, as index.json states it. */
const caValid = index.envelopes.find((e) => e.file === 'notation-go/mock-envelopes/ca_valid_sig_env.json')!;
const MOCK_TARGET = { digest: caValid.target_digest!, mediaType: caValid.target_mediaType!, size: caValid.target_size! };

/** The targetArtifact of a JWS envelope, decoded by hand (base64url JSON). */
function jwsTarget(bytes: Buffer): { digest: string; mediaType: string; size: number } {
  const p = JSON.parse(Buffer.from(JSON.parse(bytes.toString()).payload, 'base64url').toString()) as { targetArtifact: { digest: string; mediaType: string; size: number } };
  return p.targetArtifact;
}

function statement(sv: object, stores: string[], ids: string[] = ['*']): TrustPolicyStatement {
  return parseTrustPolicy({ version: '1.0', trustPolicies: [{ name: 'p', registryScopes: ['*'], signatureVerification: sv, trustStores: stores, trustedIdentities: ids }] }).statements[0]!;
}

async function run(rel: string, policy: TrustPolicyStatement, target = MOCK_TARGET, now?: Date) {
  const bytes = file(rel);
  return verifyEnvelope({ envelope: bytes, mediaType: mediaTypeOf(bytes), target, policy, trustStore: store, location: rel, ...(now ? { now } : {}) });
}

function check(checks: NotationCheck[] | undefined, type: string): NotationCheck | undefined {
  return checks?.find((c) => c.type === type);
}

describe('notation-go mock envelopes (trust policy test-statement-name, strict)', () => {
  test('ca_valid_sig_env verifies: chain to ca:valid-trust-store, trusted identity, PS384', async () => {
    const r = await run('notation-go/mock-envelopes/ca_valid_sig_env.json', netMonitor);
    assert.ok('verified' in r, JSON.stringify(r));
    assert.equal(r.verified.anchorId, 'notation:ca:valid-trust-store');
    assert.equal(r.verified.subject, 'CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US');
    assert.equal(r.verified.envelopeType, 'jws');
    assert.equal(r.verified.signingScheme, 'notary.x509');
    assert.equal(r.verified.signingTime, '2020-11-09T07:00:00.000Z');
    assert.equal(r.verified.signedAt, undefined, 'notary.x509 without a timestamp has no trusted signing time');
    assert.deepEqual(r.verified.checks.map((c) => [c.type, c.outcome]), [
      ['integrity', 'passed'],
      ['authenticity', 'passed'],
      ['expiry', 'passed'],
      ['authenticTimestamp', 'passed'],
      ['revocation', 'not-checked'],
    ]);
    // The anchor is NotationTestRoot.pem itself.
    const root = readFileSync(path.join(dir, 'notation-go/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem'), 'utf8');
    const der = Buffer.from(root.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    assert.equal(r.verified.anchorCertificate, `sha256:${(await import('node:crypto')).createHash('sha256').update(der).digest('hex')}`);
  });

  test('sa_valid_sig_env verifies against signingAuthority:valid-trust-store; its authentic signing time is trusted', async () => {
    const r = await run('notation-go/mock-envelopes/sa_valid_sig_env.json', netMonitor);
    assert.ok('verified' in r, JSON.stringify(r));
    assert.equal(r.verified.anchorId, 'notation:signingAuthority:valid-trust-store');
    assert.equal(r.verified.signingScheme, 'notary.x509.signingAuthority');
    assert.equal(r.verified.signedAt, '2020-11-09T07:00:00.000Z');
    assert.equal(r.verified.signedAtSource, 'authenticSigningTime');
  });

  for (const name of ['ca_invalid_sig_env.json', 'sa_invalid_sig_env.json']) {
    test(`${name} fails integrity (enforced at every level)`, async () => {
      for (const level of ['strict', 'audit']) {
        const r = await run(`notation-go/mock-envelopes/${name}`, statement({ level }, ['ca:valid-trust-store', 'signingAuthority:valid-trust-store']));
        assert.ok('rejected' in r);
        assert.equal(check(r.rejected.checks, 'integrity')?.outcome, 'failed');
        assert.equal(r.rejected.code, 'SIGNATURE_MALFORMED'); // the payload segment carries base64 padding
      }
    });
  }

  for (const name of ['ca_expired_sig_env.json', 'sa_expired_sig_env.json']) {
    test(`${name}: expiry 2022-07-29T23:59:00Z fails under strict, is only logged under permissive and audit`, async () => {
      const strict = await run(`notation-go/mock-envelopes/${name}`, netMonitor);
      assert.ok('rejected' in strict);
      assert.equal(strict.rejected.code, 'SIGNATURE_EXPIRED');
      assert.equal(check(strict.rejected.checks, 'expiry')?.action, 'enforce');
      for (const level of ['permissive', 'audit']) {
        const r = await run(`notation-go/mock-envelopes/${name}`, statement({ level }, ['ca:valid-trust-store', 'signingAuthority:valid-trust-store']));
        assert.ok('verified' in r, `${level}: ${JSON.stringify(r)}`);
        assert.deepEqual(check(r.verified.checks, 'expiry'), { type: 'expiry', action: 'log', outcome: 'failed', code: 'SIGNATURE_EXPIRED', message: 'digital signature has expired on 2022-07-29T23:59:00.000Z' });
      }
      // Before the expiry it verifies under strict.
      const before = await run(`notation-go/mock-envelopes/${name}`, netMonitor, MOCK_TARGET, new Date('2022-07-29T12:00:00Z'));
      assert.ok('verified' in before);
    });
  }

  for (const name of ['ca_plugin_sig_env.json', 'sa_plugin_sig_env.json']) {
    test(`${name} needs the verification plugin "plugin-name": UNSUPPORTED_SIGNATURE`, async () => {
      const r = await run(`notation-go/mock-envelopes/${name}`, netMonitor);
      assert.ok('rejected' in r);
      assert.equal(r.rejected.code, 'UNSUPPORTED_SIGNATURE');
      assert.match(r.rejected.message, /plugin "plugin-name"/);
    });
  }

  const pluginVersions = ['0.0.9', '1.0.0-alpha.beta', '1.0.0-alpha', '1.0.0', '1.0.1', '1.0.9', '1.1.0-alpha', '1.2.3'];
  test('plugin min-version envelopes (compatible and incompatible) all need plugin io.cncf.notary.plugin.unittest.mock, which Tollgate does not run', async () => {
    const wabbit = statement({ level: 'strict' }, ['ca:valid-trust-store']);
    for (const v of pluginVersions) {
      const kind = ['1.0.1', '1.0.9', '1.1.0-alpha', '1.2.3'].includes(v) ? 'incompatible' : 'compatible';
      const rel = `notation-go/mock-envelopes/ca_${kind}_pluginver_sig_env_${v}.json`;
      const r = await run(rel, wabbit, jwsTarget(file(rel)));
      assert.ok('rejected' in r, rel);
      assert.equal(r.rejected.code, 'UNSUPPORTED_SIGNATURE', rel);
      assert.ok(r.rejected.message.includes(`"io.cncf.notary.plugin.unittest.mock" (version ${v} or later)`), r.rejected.message);
      // Integrity passed before the plugin requirement stopped it: the signatures themselves are valid.
      assert.equal(check(r.rejected.checks, 'integrity')?.outcome, 'passed');
    }
  });

  test('sig_env_with_metadata: integrity passes, its expired self-signed cert is not the trust store copy; user metadata is read from the payload', async () => {
    const rel = 'notation-go/mock-envelopes/sig_env_with_metadata.json';
    const target = jwsTarget(file(rel));
    const audit = await run(rel, statement({ level: 'audit' }, ['ca:valid-trust-store']), target);
    assert.ok('verified' in audit, JSON.stringify(audit));
    assert.deepEqual(audit.verified.annotations, { 'io.wabbit-networks.buildId': '123', 'io.wabbit-networks.buildTime': '1672944615' });
    assert.equal(check(audit.verified.checks, 'authenticity')?.code, 'KEY_NOT_TRUSTED');
    assert.equal(audit.verified.anchorId, undefined);
    assert.equal(check(audit.verified.checks, 'authenticTimestamp')?.outcome, 'failed', 'the certificate expired on 2023-01-12');
    const strict = await run(rel, statement({ level: 'strict' }, ['ca:valid-trust-store']), target);
    assert.ok('rejected' in strict);
    assert.equal(strict.rejected.code, 'KEY_NOT_TRUSTED');
  });

  test('a signature for another artifact fails integrity (content descriptor mismatch) even under audit', async () => {
    const r = await run('notation-go/mock-envelopes/ca_valid_sig_env.json', statement({ level: 'audit' }, ['ca:valid-trust-store']), { ...MOCK_TARGET, digest: `sha256:${'0'.repeat(64)}` });
    assert.ok('rejected' in r);
    assert.equal(r.rejected.code, 'DIGEST_MISMATCH');
    const size = await run('notation-go/mock-envelopes/ca_valid_sig_env.json', netMonitor, { ...MOCK_TARGET, size: 529 });
    assert.ok('rejected' in size && size.rejected.code === 'DIGEST_MISMATCH');
  });

  test('a trusted identity that does not match the leaf subject: IDENTITY_MISMATCH (enforced by strict, logged by audit)', async () => {
    const ids = ['x509.subject:C=US,ST=WA,O=Someone Else'];
    const strict = await run('notation-go/mock-envelopes/ca_valid_sig_env.json', statement({ level: 'strict' }, ['ca:valid-trust-store'], ids));
    assert.ok('rejected' in strict && strict.rejected.code === 'IDENTITY_MISMATCH');
    const audit = await run('notation-go/mock-envelopes/ca_valid_sig_env.json', statement({ level: 'audit' }, ['ca:valid-trust-store'], ids));
    assert.ok('verified' in audit && check(audit.verified.checks, 'authenticity')?.code === 'IDENTITY_MISMATCH');
    // A subset of the subject's attributes matches (trust-store-trust-policy.md "Trusted Identities Constraints").
    const subset = await run('notation-go/mock-envelopes/ca_valid_sig_env.json', statement({ level: 'strict' }, ['ca:valid-trust-store'], ['x509.subject: C=US, S=WA, O=Notary']));
    assert.ok('verified' in subset, JSON.stringify(subset));
  });

  test('signingAuthority signatures are not trusted through a ca store (scheme picks the store type)', async () => {
    const r = await run('notation-go/mock-envelopes/sa_valid_sig_env.json', statement({ level: 'strict' }, ['ca:valid-trust-store']));
    assert.ok('rejected' in r && r.rejected.code === 'TRUSTED_ROOT_MISSING', JSON.stringify(r));
  });
});

describe('notation-go jws_signature.sig / cose_signature.sig (self-signed CN=alpine, not in any trust store)', () => {
  const target = jwsTarget(file('notation-go/jws_signature.sig'));
  for (const name of ['jws_signature.sig', 'cose_signature.sig']) {
    test(`${name}: integrity passes, authenticity fails against the notation-go trust store`, async () => {
      const r = await run(`notation-go/${name}`, statement({ level: 'strict' }, ['ca:valid-trust-store']), target);
      assert.ok('rejected' in r, JSON.stringify(r));
      assert.equal(check(r.rejected.checks, 'integrity')?.outcome, 'passed');
      assert.equal(r.rejected.code, 'KEY_NOT_TRUSTED');
    });
  }
  test('both verify with a trust store holding their own certificate (from the layout test, target = oci-layout manifest)', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'tollgate-notation-alpine-'));
    try {
      const x5c = (JSON.parse(file('notation-go/jws_signature.sig').toString()) as { header: { x5c: string[] } }).header.x5c[0]!;
      mkdirSync(path.join(tmp, 'x509', 'ca', 'alpine'), { recursive: true });
      execFileSync('openssl', ['x509', '-inform', 'DER', '-out', path.join(tmp, 'x509', 'ca', 'alpine', 'alpine.pem')], { input: Buffer.from(x5c, 'base64') });
      const alpineStore = new DirectoryTrustStore(tmp);
      const policy = statement({ level: 'strict' }, ['ca:alpine'], ['x509.subject:C=US,ST=WA,O=Notary,CN=alpine']);
      const layoutManifest = readFileSync(path.join(dir, 'notation-go/oci-layout/blobs/sha256/19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0'));
      const t = { digest: 'sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0', mediaType: 'application/vnd.oci.image.manifest.v1+json', size: layoutManifest.length };
      for (const name of ['jws_signature.sig', 'cose_signature.sig']) {
        const bytes = file('notation-go', name);
        const r = await verifyEnvelope({ envelope: bytes, mediaType: mediaTypeOf(bytes), target: t, policy, trustStore: alpineStore, location: name });
        assert.ok('verified' in r, `${name}: ${JSON.stringify(r)}`);
        assert.equal(r.verified.envelopeType, name.startsWith('jws') ? 'jws' : 'cose');
        assert.equal(r.verified.anchorId, 'notation:ca:alpine');
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('notation-go timestamped envelopes (RFC 3161 countersignatures, GlobalSign TSA, tsa:test-timestamp)', () => {
  // notation-go timestamp_test.go's dummy policy; authenticity is only logged here so that the authentic-timestamp
  // check is reached for envelopes whose testTSA leaf is not in the ca store (the upstream test calls that check alone).
  const always = statement({ level: 'strict', verifyTimestamp: 'always', override: { authenticity: 'log' } }, ['ca:valid-trust-store', 'tsa:test-timestamp']);
  const ts = (name: string) => `notation-go/timestamped-envelopes/${name}`;
  const target = jwsTarget(file(ts('jwsWithTimestamp.sig')));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tollgate-notation-tsa-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const name of ['jwsWithTimestamp.sig', 'coseWithTimestamp.sig', 'jwsExpiredWithTimestamp.sig', 'coseExpiredWithTimestamp.sig']) {
    test(`${name}: the authentic timestamp verifies${name.includes('Expired') ? ' although the signing certificate has expired' : ''}`, async () => {
      const r = await run(ts(name), always, target);
      assert.ok('verified' in r, JSON.stringify(r));
      assert.equal(check(r.verified.checks, 'authenticTimestamp')?.outcome, 'passed');
      assert.equal(r.verified.signedAtSource, 'timestamp');
      assert.ok(r.verified.signedAt!.startsWith('2024-06-18T'), r.verified.signedAt);
    });
  }

  test('jwsWithTimestamp: its leaf is TestTimestamp.crt of ca:valid-trust-store, so it verifies under plain strict too', async () => {
    const r = await run(ts('jwsWithTimestamp.sig'), statement({ level: 'strict', verifyTimestamp: 'always' }, ['ca:valid-trust-store', 'tsa:test-timestamp']), target);
    assert.ok('verified' in r && r.verified.anchorId === 'notation:ca:valid-trust-store', JSON.stringify(r));
  });

  test('afterCertExpiry: an unexpired chain is checked at verification time instead', async () => {
    const p = statement({ level: 'strict', verifyTimestamp: 'afterCertExpiry' }, ['ca:valid-trust-store', 'tsa:test-timestamp']);
    const r = await run(ts('coseWithTimestamp.sig'), p, target);
    assert.ok('verified' in r, JSON.stringify(r));
    assert.equal(r.verified.signedAt, undefined);
  });

  test('without a tsa store the expired signing certificate fails: verification time is after its validity', async () => {
    const p = statement({ level: 'strict', verifyTimestamp: 'always', override: { authenticity: 'log' } }, ['ca:valid-trust-store']);
    const r = await run(ts('coseExpiredWithTimestamp.sig'), p, target);
    assert.ok('rejected' in r);
    assert.equal(r.rejected.code, 'CERTIFICATE_INVALID');
    assert.match(r.rejected.message, /verification time is after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at 2024-06-18T07:30:31/);
  });

  test('withoutTimestamp: strict + always + tsa store fails: no timestamp countersignature', async () => {
    const r = await run(ts('withoutTimestamp.sig'), always, target);
    assert.ok('rejected' in r);
    assert.equal(r.rejected.code, 'TIMESTAMP_INVALID');
    assert.equal(r.rejected.message, 'no timestamp countersignature was found in the signature envelope');
  });

  test('timestampBeforeNotBefore / timestampAfterNotAfter: the timestamp lies outside the signing certificate validity', async () => {
    const before = await run(ts('timestampBeforeNotBefore.sig'), always, target);
    assert.ok('rejected' in before);
    assert.match(before.rejected.message, /^timestamp can be before certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it will be valid from 2099-09-18T11:54:34/);
    const afterNA = await run(ts('timestampAfterNotAfter.sig'), always, target);
    assert.ok('rejected' in afterNA);
    assert.match(afterNA.rejected.message, /^timestamp can be after certificate "CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US" validity period, it was expired at 2001-09-18T11:54:34/);
  });

  test('a TSA store with another root (DigiCert, tsa:test-mismatch): unknown authority', async () => {
    mkdirSync(path.join(tmp, 'x509', 'tsa', 'test-mismatch'), { recursive: true });
    mkdirSync(path.join(tmp, 'x509', 'ca'), { recursive: true });
    execFileSync('cp', ['-r', path.join(dir, 'notation-go/truststore/x509/ca/valid-trust-store'), path.join(tmp, 'x509', 'ca', 'valid-trust-store')]);
    copyFileSync(path.join(dir, 'notation-go/DigiCertTSARootSHA384.cer'), path.join(tmp, 'x509', 'tsa', 'test-mismatch', 'DigiCertTSARootSHA384.cer'));
    const p = statement({ level: 'strict', verifyTimestamp: 'always' }, ['ca:valid-trust-store', 'tsa:test-mismatch']);
    const bytes = file(ts('coseWithTimestamp.sig'));
    const r = await verifyEnvelope({ envelope: bytes, mediaType: 'application/cose', target, policy: p, trustStore: new DirectoryTrustStore(tmp), location: 'x' });
    assert.ok('rejected' in r);
    assert.equal(r.rejected.code, 'TIMESTAMP_INVALID');
    assert.match(r.rejected.message, /unknown authority/);
    const missing = await run(ts('coseWithTimestamp.sig'), statement({ level: 'strict' }, ['ca:valid-trust-store', 'tsa:does-not-exist']), target);
    assert.ok('rejected' in missing && missing.rejected.code === 'TRUSTED_ROOT_MISSING' && /does-not-exist/.test(missing.rejected.message));
  });

  test('a tampered countersignature (another envelope signature) does not verify: mismatched message imprint', async () => {
    const env = JSON.parse(file(ts('jwsWithTimestamp.sig')).toString());
    const other = JSON.parse(file(ts('withoutTimestamp.sig')).toString());
    other.header['io.cncf.notary.timestampSignature'] = env.header['io.cncf.notary.timestampSignature'];
    const r = await verifyEnvelope({ envelope: Buffer.from(JSON.stringify(other)), mediaType: 'application/jose+json', target, policy: always, trustStore: store, location: 'x' });
    assert.ok('rejected' in r);
    assert.equal(r.rejected.code, 'TIMESTAMP_INVALID');
    assert.match(r.rejected.message, /mismatched message/);
  });
});

/** A self-signed code-signing certificate made by openssl (EC P-256 or RSA 3072), DER. */
function selfSignedCert(kind: 'ec' | 'rsa3072'): Buffer {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tollgate-notation-cert-'));
  try {
    const keyArgs = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:3072'];
    execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-days', '2', '-subj', '/C=US/ST=WA/O=Conformance/CN=test', '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'basicConstraints=CA:FALSE', '-keyout', path.join(tmp, 'k.pem'), '-outform', 'DER', '-out', path.join(tmp, 'c.der')], { stdio: 'pipe' });
    return readFileSync(path.join(tmp, 'c.der'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('notation-core-go conformance envelopes (structure; the signing keys are not published)', () => {
  test('JWS: protected header claims, crit and extended attributes; x5c is absent, so integrity fails', () => {
    const raw = file('notation-core-go', 'jws-conformance.json');
    assert.throws(() => decodeEnvelope(raw, 'application/jose+json'), (e: unknown) => e instanceof EnvelopeError && e.message === 'certificate chain is not present');
    const env = JSON.parse(raw.toString());
    env.header.x5c = [selfSignedCert('ec').toString('base64')];
    const d = decodeEnvelope(Buffer.from(JSON.stringify(env)), 'application/jose+json');
    assert.equal(d.algorithm, 'ES256');
    assert.equal(d.signingScheme, 'notary.x509');
    assert.equal(d.signingTime.toISOString(), '2022-08-29T13:50:00.000Z');
    assert.equal(d.expiry?.toISOString(), '2099-08-30T13:50:00.000Z');
    assert.equal(d.contentType, 'application/vnd.cncf.notary.payload.v1+json');
    assert.equal(d.payload.toString(), '{"key":"hello JWS"}');
    assert.equal(d.signingAgent, 'NotationConformanceTest/1.0.0');
    const ext = Object.fromEntries(d.extendedAttributes.map((a) => [a.key, a.critical]));
    assert.deepEqual(ext, { signedCritKey1: true, signedKey1: false, signedKey2: false, signedKey3: false, signedKey4: false });
    // Signed by another key: the primitive signature is the check that fails.
    assert.equal(d.signedBytes.toString(), `${env.protected}.${env.payload}`);
  });

  test('COSE: COSE_Sign1 (tag 18), Tag 1 times, crit labels, extended attributes; x5chain is absent', () => {
    const c = JSON.parse(file('notation-core-go', 'cose-conformance.json').toString()) as {
      signingTime: number;
      expiry: number;
      payload: string;
      expectedOutput: { cborHex: string };
    };
    const raw = Buffer.from(c.expectedOutput.cborHex, 'hex');
    assert.throws(() => decodeEnvelope(raw, 'application/cose'), (e: unknown) => e instanceof EnvelopeError && e.message === 'certificate chain is not present');
    // Add an x5chain (label 33) with an RSA 3072 certificate (PS384 = alg -38), keeping the protected bytes.
    const msg = cborDecode(raw, { useMaps: true, tags: { 18: (inner: () => unknown) => inner() } as never }) as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
    msg[1].set(33, [new Uint8Array(selfSignedCert('rsa3072'))]);
    const rebuilt = Buffer.from(cborEncode(new Tagged(18, msg)));
    const d = decodeEnvelope(rebuilt, 'application/cose');
    assert.equal(d.algorithm, 'PS384');
    assert.equal(d.signingTime.getTime() / 1000, c.signingTime);
    assert.equal(d.expiry!.getTime() / 1000, c.expiry);
    assert.equal(d.payload.toString('hex').toUpperCase(), c.payload);
    assert.equal(d.signingAgent, 'NotationConformanceTest/1.0.0');
    assert.deepEqual(Object.fromEntries(d.extendedAttributes.map((a) => [a.key, a.critical])), { signedKey1: false, signedCritKey1: true });
    // The Sig_structure the signature covers ends with the payload; the signature itself is the conformance one.
    assert.equal(d.signature.length, 384);
  });

  test('a COSE envelope without tag 18, or with an untagged time, is malformed', () => {
    const c = JSON.parse(file('notation-core-go', 'cose-conformance.json').toString()) as { expectedOutput: { cborHex: string } };
    const raw = Buffer.from(c.expectedOutput.cborHex, 'hex');
    assert.throws(() => decodeEnvelope(raw.subarray(1), 'application/cose'), /tag 18/);
    assert.throws(() => decodeEnvelope(Buffer.from('{}'), 'application/vnd.unknown'), /not supported/);
  });
});

describe('trust policy documents', () => {
  test('notation-go test policy: statements, scopes, levels', () => {
    assert.deepEqual(policyDoc.statements.map((s) => [s.name, s.level, s.verifyTimestamp, s.trustStores.map((t) => t.ref)]), [
      ['test-statement-name', 'strict', 'always', ['ca:valid-trust-store', 'signingAuthority:valid-trust-store']],
      ['test-timestamp', 'strict', 'afterCertExpiry', ['ca:valid-trust-store', 'tsa:test-timestamp']],
    ]);
    assert.equal(applicablePolicy(policyDoc, 'registry.acme-rockets.io/software/net-monitor').name, 'test-statement-name');
    assert.equal(applicablePolicy(policyDoc, 'example.com/other').name, 'test-timestamp', 'the global statement applies otherwise');
  });

  test('no applicable statement: NO_APPLICABLE_POLICY', () => {
    const doc = parseTrustPolicy({ version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['example.com/a'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] }] });
    assert.throws(() => applicablePolicy(doc, 'example.com/b'), (e: unknown) => e instanceof SignError && e.code === 'NO_APPLICABLE_POLICY');
  });

  const bad: [string, unknown, RegExp][] = [
    ['version', { version: '2.0', trustPolicies: [] }, /unsupported version/],
    ['no statements', { version: '1.0', trustPolicies: [] }, /zero trust policy statements/],
    ['override integrity', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*'], signatureVerification: { level: 'strict', override: { integrity: 'log' } }, trustStores: ['ca:x'], trustedIdentities: ['*'] }] }, /integrity/],
    ['skip authenticity', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*'], signatureVerification: { level: 'strict', override: { authenticity: 'skip' } }, trustStores: ['ca:x'], trustedIdentities: ['*'] }] }, /can not be skipped/],
    ['skip with stores', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*'], signatureVerification: { level: 'skip' }, trustStores: ['ca:x'], trustedIdentities: ['*'] }] }, /skip signature verification/],
    ['bad store type', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['x509:x'], trustedIdentities: ['*'] }] }, /unsupported trust store type/],
    ['wildcard scope with others', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*', 'a.io/b'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] }] }, /wildcard/],
    ['duplicate scope', { version: '1.0', trustPolicies: ['a', 'b'].map((name) => ({ name, registryScopes: ['a.io/b'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] })) }, /multiple/],
    ['identity without O', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['x509.subject:C=US,ST=WA'] }] }, /must name C, ST \(or S\) and O/],
    ['overlapping identities', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['*'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['x509.subject:C=US,ST=WA,O=x', 'x509.subject:C=US,ST=WA,O=x,OU=y'] }] }, /overlapping/],
    ['scope with tag', { version: '1.0', trustPolicies: [{ name: 'a', registryScopes: ['a.io/b:1'], signatureVerification: { level: 'strict' }, trustStores: ['ca:x'], trustedIdentities: ['*'] }] }, /not valid/],
  ];
  for (const [name, doc, re] of bad) {
    test(`invalid: ${name}`, () => {
      assert.throws(() => parseTrustPolicy(doc, 'p.json'), (e: unknown) => e instanceof UsageError && e.code === 'INVALID_CONFIG' && re.test(e.message));
    });
  }

  test('custom level: permissive with expiry enforced; audit with revocation skipped', () => {
    const s = statement({ level: 'permissive', override: { expiry: 'enforce' } }, ['ca:x']);
    assert.deepEqual(s.actions, { integrity: 'enforce', authenticity: 'enforce', authenticTimestamp: 'log', expiry: 'enforce', revocation: 'log' });
    assert.equal(statement({ level: 'audit', override: { revocation: 'skip' } }, ['ca:x']).actions.revocation, 'skip');
  });

  test('RFC 4514 identities: escapes, S alias, spaces', () => {
    const dn = parseDistinguishedName(' C=US, S=WA , O=Acme\\, Inc., OU=a\\+b, CN=\\ lead');
    assert.deepEqual([...dn], [['C', 'US'], ['ST', 'WA'], ['O', 'Acme, Inc.'], ['OU', 'a+b'], ['CN', ' lead']]);
    assert.throws(() => parseDistinguishedName('C=US+ST=WA,O=x'), /multi-valued/);
    assert.throws(() => parseDistinguishedName('C=US,ST=WA,O=#04'), /=#/);
  });
});
