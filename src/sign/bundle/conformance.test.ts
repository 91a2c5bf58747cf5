/**
 * The Sigstore conformance suite's bundle-verify cases (sigstore/sigstore-conformance test/assets/bundle-verify,
 * indexed by ../shared/data/interop/sigstore-conformance/cases.json), each run twice as the suite runs it: with the
 * artifact file and with only `sha256:<digest>`. A `*_fail` case passes when verification does not succeed, either
 * as a failed verification (a result with a code) or as unusable input (SignError); the expected outcome comes from
 * the suite, never from the code under test.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { SignError, UsageError, type SignErrorCode } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { verifyBundleFiles, type BundleVerification } from './index.js';

const dir = shared('interop', 'sigstore-conformance');
interface Case {
  name: string;
  expected: 'verify' | 'fail';
  bundle: string;
  artifact: string;
  artifact_sha256: string;
  verify_with: 'certificate-identity' | 'key';
  identity?: string;
  issuer?: string;
  key?: string;
  trusted_root: string;
  why: string;
}
const suite = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as { count: number; count_verify: number; count_fail: number; cases: Case[] };
// "trusted_root=PRODUCTION means the Sigstore public-good production trust root (a snapshot is in ../trusted-roots/…)".
const PRODUCTION = shared('interop', 'trusted-roots', 'sigstore-public-good.json');

/**
 * Why some failing cases fail, in Tollgate's stable codes: the class each case's README names (malformed input,
 * artifact, key, trusted root, certificate, log, timestamp). Cases whose README allows several readings are left out;
 * for them only "does not verify" is checked.
 */
const EXPECTED_CODES: Record<string, SignErrorCode> = {
  'bundle-empty-certificate-chain_fail': 'BUNDLE_MALFORMED',
  'bundle-invalid-base64-signature_fail': 'BUNDLE_MALFORMED',
  'bundle-malformed-json_fail': 'BUNDLE_MALFORMED',
  'bundle-negative-log-index_fail': 'BUNDLE_MALFORMED',
  'bundle-unknown-version_fail': 'UNSUPPORTED_BUNDLE',
  // v0.2+ bundles must carry inclusion proofs with checkpoints (bundle.proto).
  'intoto-missing-inclusion-proof_fail': 'BUNDLE_MALFORMED',
  'rekor2-no-inclusion-proof_fail': 'BUNDLE_MALFORMED',
  'bundle-from-wrong-instance_fail': 'CERTIFICATE_INVALID',
  'intoto-expired-certificate_fail': 'CERTIFICATE_INVALID',
  'integrated-time-in-future_fail': 'CERTIFICATE_INVALID',
  'intoto-set-outside-signing-cert-validity_fail': 'CERTIFICATE_INVALID',
  'intoto-tsa-timestamp-outside-cert-validity_fail': 'CERTIFICATE_INVALID',
  'rekor2-timestamp-with-incorrect-time_fail': 'CERTIFICATE_INVALID',
  'invalid-ct-key_fail': 'CERTIFICATE_INVALID',
  'checkpoint-bad-keyhint_fail': 'TLOG_INVALID',
  'checkpoint-wrong-roothash_fail': 'TLOG_INVALID',
  'inclusion-proof-corrupted-hash_fail': 'TLOG_INVALID',
  'invalid-checkpoint-signature_fail': 'TLOG_INVALID',
  'set-invalid-signature_fail': 'TLOG_INVALID',
  'rekor2-checkpoint-missing-log-signature_fail': 'TLOG_INVALID',
  'rekor2-checkpoint-missing-origin_fail': 'TLOG_INVALID',
  'rekor2-checkpoint-missing-root-hash_fail': 'TLOG_INVALID',
  'rekor2-checkpoint-missing-size_fail': 'TLOG_INVALID',
  'rekor2-checkpoint-no-matching-signature_fail': 'TLOG_INVALID',
  'intoto-log-entry-mismatch_fail': 'TLOG_ENTRY_MISMATCH',
  'dsse-mismatch-envelope_fail': 'TLOG_ENTRY_MISMATCH',
  'rekor2-dsse-mismatch-envelope_fail': 'TLOG_ENTRY_MISMATCH',
  'wrong-hashedrekord-entry_fail': 'TLOG_ENTRY_MISMATCH',
  'rekor2-no-timestamp_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-outside-tsa-cert-validity_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-payload-mismatch_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': 'TIMESTAMP_INVALID',
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': 'TIMESTAMP_INVALID',
  'message-digest-mismatch_fail': 'ARTIFACT_MISMATCH',
  'wrong-material_fail': 'ARTIFACT_MISMATCH',
  'managed-key-no-key_fail': 'KEY_NOT_TRUSTED',
  'trust-root-tlog-missing-validity-start_fail': 'TRUSTED_ROOT_INVALID',
  // The bundle carries a root certificate, which bundle.proto tells verifiers to ignore ("Verifiers SHOULD handle
  // old or non-complying bundles that have superfluous intermediate and/or root CA certificates by either ignoring
  // them or explicitly considering them untrusted"; sigstore-go's own v0.1 samples carry leaf, intermediate and root
  // and must verify). It fails because its signer is not the suite's identity.
  'bundle-with-root-cert_fail': 'IDENTITY_MISMATCH',
};

type Outcome = { verified: true; result: BundleVerification } | { verified: false; code: string; how: 'result' | 'thrown'; message: string };

async function run(c: Case, mode: 'artifact' | 'digest'): Promise<Outcome> {
  try {
    const result = await verifyBundleFiles({
      bundleFile: path.join(dir, c.bundle),
      ...(mode === 'artifact' ? { artifactFile: path.join(dir, c.artifact) } : { digest: `sha256:${c.artifact_sha256}` }),
      trustedRootFile: c.trusted_root === 'PRODUCTION' ? PRODUCTION : path.join(dir, c.trusted_root),
      ...(c.verify_with === 'key' ? { keyRefs: [path.join(dir, c.key!)] } : { identity: { subject: c.identity!, issuer: c.issuer! } }),
    });
    return result.verified ? { verified: true, result } : { verified: false, code: result.code, how: 'result', message: result.reason };
  } catch (e) {
    // Unusable input is a legitimate way to fail; a usage error or a crash is not.
    if (e instanceof SignError) return { verified: false, code: e.code, how: 'thrown', message: e.message };
    if (e instanceof UsageError) assert.fail(`${c.name}: usage error ${e.message}`);
    throw e;
  }
}

describe('Sigstore conformance suite (bundle-verify)', () => {
  test('the index holds the 70 cases of the suite', () => {
    assert.equal(suite.cases.length, 70);
    assert.equal(suite.count, 70);
    assert.equal(suite.cases.filter((c) => c.expected === 'verify').length, suite.count_verify);
    assert.equal(suite.cases.filter((c) => c.expected === 'fail').length, suite.count_fail);
    // Every code expectation names a real failing case.
    for (const name of Object.keys(EXPECTED_CODES)) assert.equal(suite.cases.find((c) => c.name === name)?.expected, 'fail', name);
  });

  for (const mode of ['artifact', 'digest'] as const) {
    describe(`${mode === 'artifact' ? 'with the artifact' : 'digest only'}`, () => {
      for (const c of suite.cases) {
        test(`${c.name} must ${c.expected}`, async () => {
          const out = await run(c, mode);
          if (c.expected === 'verify') {
            assert.ok(out.verified, `${c.name} (${c.why}) did not verify: ${!out.verified ? `${out.code}: ${out.message}` : ''}`);
            const r = out.result as Extract<BundleVerification, { verified: true }>;
            if (c.verify_with === 'key') {
              assert.equal(r.signer.key?.source, path.join(dir, c.key!));
            } else {
              assert.ok(r.signer.certificate?.sans.includes(c.identity!), `signer ${r.signer.certificate?.sans.join(',')}`);
              assert.equal(r.signer.certificate?.issuer, c.issuer);
            }
            assert.ok(r.timestamps.length >= 1, 'a verified signing time');
            assert.equal(r.artifact, `sha256:${c.artifact_sha256}`);
          } else {
            assert.equal(out.verified, false, `${c.name} (${c.why}) verified`);
            const expected = EXPECTED_CODES[c.name];
            if (expected && !out.verified) assert.equal(out.code, expected, `${c.name}: ${out.message}`);
          }
        });
      }
    });
  }

  // Its leaf names email:a@tny.town, issuer https://github.com/login/oauth (read with `openssl x509 -text`).
  test('bundle-with-root-cert_fail verifies for its own signer: the superfluous root is ignored, never trusted', async () => {
    const c = suite.cases.find((x) => x.name === 'bundle-with-root-cert_fail')!;
    const r = await verifyBundleFiles({
      bundleFile: path.join(dir, c.bundle),
      artifactFile: path.join(dir, c.artifact),
      trustedRootFile: PRODUCTION,
      identity: { subjectRegExp: '^a@tny\\.town$', issuer: 'https://github.com/login/oauth' },
    });
    assert.equal(r.verified, true);
  });
});
