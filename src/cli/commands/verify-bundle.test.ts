/**
 * `tollgate verify-bundle` run as a user would (the built CLI): exit 0 verified, 1 not verified, 2 usage error,
 * 3 unusable input; never a stack trace. Bundles, artifacts and trusted roots are the real conformance-suite files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasStackTrace, runCli } from '../../../test/support/cli.js';
import { shared } from '../../../test/support/paths.js';

const cases = shared('interop', 'sigstore-conformance', 'bundle-verify');
const PUBLIC_GOOD = shared('interop', 'trusted-roots', 'sigstore-public-good.json');
const A_TXT = path.join(cases, 'a.txt');
const A_SHA256 = 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const bundle = (name: string) => path.join(cases, name, 'bundle.sigstore.json');
const keyless = ['--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER];

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-verify-bundle-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});
// An empty cache: nothing cached, so without --trusted-root the root embedded in @sigstore/tuf is used (and cached).
const env = () => ({ XDG_CACHE_HOME: path.join(tmp, 'cache') });
const cli = (args: string[]) => runCli(['verify-bundle', ...args], { env: env() });

describe('tollgate verify-bundle', () => {
  test('--help documents the flags and the exit codes', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--bundle', '--artifact', '--digest', '--trusted-root', '--certificate-identity-regexp', '--certificate-oidc-issuer', '--key']) {
      assert.ok(r.stdout.includes(flag), flag);
    }
    assert.match(r.stdout, /Exit codes: 0 verified,\s+1\s+not verified/);
  });

  test('keyless v0.3 bundle with the artifact: Verified OK and the signer, exit 0', async () => {
    const r = await cli(['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Verified OK\n/);
    assert.ok(r.stdout.includes(IDENTITY));
    assert.ok(r.stdout.includes(`OIDC issuer ${ISSUER}`));
    assert.ok(r.stdout.includes(A_SHA256));
  });

  test('no --trusted-root and nothing cached: the public-good root embedded in @sigstore/tuf, named on stderr, exit 0', async () => {
    const r = await cli(['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, ...keyless]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Verified OK\n/);
    assert.match(r.stderr, /embedded seed of @sigstore\/tuf .*tollgate trusted-root update/);
  });

  test('digest only, JSON output', async () => {
    const r = await cli(['--bundle', bundle('rekor2-happy-path'), '--digest', A_SHA256, '--trusted-root', path.join(cases, 'rekor2-happy-path', 'trusted_root.json'), ...keyless, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { verified: boolean; signer: { certificate: { sans: string[] } }; timestamps: { source: string }[] };
    assert.equal(doc.verified, true);
    assert.deepEqual(doc.signer.certificate.sans, [IDENTITY]);
    assert.deepEqual(doc.timestamps.map((t) => t.source), ['timestamp-authority']);
  });

  test('key-signed bundle with --key', async () => {
    const r = await cli(['--bundle', bundle('managed-key-happy-path'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, '--key', path.join(cases, 'managed-key-happy-path', 'key.pub')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Verified OK\n/);
    assert.match(r.stdout, /key .*managed-key-happy-path\/key\.pub/);
  });

  test('unanchored regular expressions verify, with a warning', async () => {
    const r = await cli(['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, '--certificate-identity-regexp', 'sigstore-conformance', '--certificate-oidc-issuer', ISSUER]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: --certificate-identity-regexp "sigstore-conformance" is not anchored/);
  });

  // Verification failures: exit 1 and the stable code on stderr.
  for (const [what, args, code] of [
    ['another identity', ['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, '--certificate-identity', 'someone@example.com', '--certificate-oidc-issuer', ISSUER], 'IDENTITY_MISMATCH'],
    ['another artifact', ['--bundle', bundle('happy-path-v0.3'), '--artifact', bundle('happy-path-v0.3'), '--trusted-root', PUBLIC_GOOD, ...keyless], 'ARTIFACT_MISMATCH'],
    ['a corrupted inclusion proof', ['--bundle', bundle('inclusion-proof-corrupted-hash_fail'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless], 'TLOG_INVALID'],
    ['a log entry for another signature', ['--bundle', bundle('wrong-hashedrekord-entry_fail'), '--digest', A_SHA256, '--trusted-root', PUBLIC_GOOD, ...keyless], 'TLOG_ENTRY_MISMATCH'],
    ['a staging certificate', ['--bundle', bundle('bundle-from-wrong-instance_fail'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless], 'CERTIFICATE_INVALID'],
    ['an untrusted timestamp authority', ['--bundle', bundle('rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail'), '--artifact', A_TXT, '--trusted-root', path.join(cases, 'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail', 'trusted_root.json'), ...keyless], 'TIMESTAMP_INVALID'],
    ['a key-signed bundle without --key', ['--bundle', bundle('managed-key-no-key_fail'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless], 'KEY_NOT_TRUSTED'],
  ] as const) {
    test(`not verified: ${what} → exit 1, ${code}`, async () => {
      const r = await cli([...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`Verification failed \\(${code}\\): `));
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    });
  }

  // Unusable input: exit 3 with the file named.
  for (const [what, args, re] of [
    ['a truncated bundle', ['--bundle', bundle('bundle-malformed-json_fail'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless], /bundle-malformed-json_fail\/bundle\.sigstore\.json: not JSON/],
    ['an unknown bundle version', ['--bundle', bundle('bundle-unknown-version_fail'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless], /unsupported bundle media type/],
    ['a trusted root without a validity start', ['--bundle', bundle('trust-root-tlog-missing-validity-start_fail'), '--artifact', A_TXT, '--trusted-root', path.join(cases, 'trust-root-tlog-missing-validity-start_fail', 'trusted_root.json'), ...keyless], /validFor has no valid start/],
    ['a key file that is not a key', ['--bundle', bundle('managed-key-wrong-key_fail'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, '--key', path.join(cases, 'managed-key-wrong-key_fail', 'key.pub')], /key\.pub/],
  ] as const) {
    test(`unusable input: ${what} → exit 3`, async () => {
      const r = await cli([...args]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^error: /);
      assert.match(r.stderr, re);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    });
  }

  test('a bundle that is not even an object → exit 3', async () => {
    const file = path.join(tmp, 'list.json');
    await writeFile(file, '[1,2]');
    const r = await cli(['--bundle', file, '--digest', A_SHA256, '--trusted-root', PUBLIC_GOOD, ...keyless]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /not a JSON object/);
  });

  // Usage errors: exit 2.
  for (const [what, args, re] of [
    ['both --artifact and --digest', ['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, '--digest', A_SHA256, '--trusted-root', PUBLIC_GOOD, ...keyless], /exactly one of them/],
    ['neither identity nor key', ['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD], /--certificate-identity and --certificate-oidc-issuer .* or --key/],
    ['an invalid RE2 expression', ['--bundle', bundle('happy-path-v0.3'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, '--certificate-identity-regexp', '(?=x)', '--certificate-oidc-issuer', ISSUER], /invalid regular expression \(Go RE2 syntax\)/],
    ['a malformed digest', ['--bundle', bundle('happy-path-v0.3'), '--digest', 'sha256:abc', '--trusted-root', PUBLIC_GOOD, ...keyless], /--digest must be sha256:/],
    ['a missing bundle file', ['--bundle', path.join(cases, 'no-such-case', 'bundle.sigstore.json'), '--artifact', A_TXT, '--trusted-root', PUBLIC_GOOD, ...keyless], /--bundle .*no-such-case\/bundle\.sigstore\.json: no such file/],
    ['no --bundle', ['--artifact', A_TXT, ...keyless], /--bundle/],
  ] as const) {
    test(`usage: ${what} → exit 2`, async () => {
      const r = await cli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    });
  }
});
