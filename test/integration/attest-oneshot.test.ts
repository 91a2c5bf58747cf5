/**
 * Issue 5: `tollgate sbom IMAGE --attest --key KEY` and `tollgate scan IMAGE --attest --key KEY` write their document
 * as usual and attach it to the image as a signed attestation in one step. Against a real CNCF distribution 2.8
 * registry (plain HTTP on loopback), with the command functions run in-process and a plain PKCS#8 PEM key made by
 * node:crypto. What was attached is checked with verifyAttestations and the public key: the predicate type, the
 * subject digest (the manifest digest the image builder computed, the platform manifest for an index), and the
 * predicate against the document the command wrote to --output.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runSbom } from '../../src/cli/commands/sbom.js';
import { runScan } from '../../src/cli/commands/scan.js';
import { RegistryClient } from '../../src/oci/index.js';
import { verifyAttestations } from '../../src/sign/index.js';
import { updateDb } from '../../src/vulndb/index.js';
import { buildImage, buildIndex, buildLayer, entriesFromDir, makeTar } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let reg: TestRegistry;
let tmp: string;
let client: RegistryClient;
let keyFile: string;
let publicKey: KeyObject;
let db: string;
let appDigest: string;
let armDigest: string;
let indexDigest: string;

/** Runs a command function, returning its exit code and what it wrote to stderr. */
async function capture(run: () => Promise<number>): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await run(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

const verify = (image: string, type: string) => verifyAttestations({ image, keys: [{ key: publicKey, source: 'test.pub' }], type, registry: client });
const hexOf = (d: string) => d.slice('sha256:'.length);

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-attest-oneshot-'));
  db = path.join(tmp, 'vuln.db');
  const dbReady = updateDb({ from: shared('vulndb'), db });
  reg = await startRegistry({ auth: 'none' });
  client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'no-docker-config') });
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  publicKey = pair.publicKey;
  keyFile = path.join(tmp, 'test.key');
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  // The real installed database and os-release of an Alpine 3.18 image.
  const app = buildImage([await buildLayer(await makeTar(await entriesFromDir(shared('pkgdb', 'apk', 'scalibr-alpine-3.18'))))]);
  appDigest = app.manifestDigest;
  assert.equal(await pushImage(client, `${reg.host}/team/app:1.0`, { image: app }), appDigest);
  const amd = buildImage([await buildLayer(await makeTar([{ path: 'etc/amd.conf', content: 'amd64\n' }]))]);
  const arm = buildImage([await buildLayer(await makeTar([{ path: 'etc/arm.conf', content: 'arm64\n' }]))], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  const index = buildIndex([amd, arm]);
  armDigest = arm.manifestDigest;
  indexDigest = index.digest;
  assert.equal(await pushImage(client, `${reg.host}/team/multi:1`, { index }), indexDigest);
  await dbReady;
});

after(async () => {
  await client?.close();
  await reg?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('sbom --attest', () => {
  test('attaches the CycloneDX SBOM it wrote, signed, to the digest the tag named, in both forms', async () => {
    const bom = path.join(tmp, 'app.cdx.json');
    const res = await capture(() => runSbom(`${reg.host}/team/app:1.0`, { format: 'cyclonedx', output: bom, cache: false, attest: true, key: keyFile }));
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`sha256-${hexOf(appDigest)}\\.att`), 'the .att location is printed on stderr');
    assert.match(res.stderr, /Sigstore bundle \(referrer .*@sha256:[0-9a-f]{64}\)/);
    const written = JSON.parse(readFileSync(bom, 'utf8')) as { bomFormat?: string };
    assert.equal(written.bomFormat, 'CycloneDX', 'the SBOM itself is still written');

    const v = await verify(`${reg.host}/team/app@${appDigest}`, 'cyclonedx');
    assert.deepEqual(v.verified.map((a) => a.form).sort(), ['bundle', 'legacy']);
    for (const a of v.verified) {
      assert.equal(a.statement.predicateType, 'https://cyclonedx.org/bom');
      assert.deepEqual(a.statement.subject.map((s) => s.digest), [{ sha256: hexOf(appDigest) }]);
      assert.equal(a.statement.subject[0]!.name, `${reg.host}/team/app`);
      assert.deepEqual(a.statement.predicate, written);
    }
  });

  test('--format spdx still attests CycloneDX; --form legacy writes only the .att tag', async () => {
    const spdx = path.join(tmp, 'multi.spdx.json');
    const res = await capture(() =>
      runSbom(`${reg.host}/team/multi:1`, { format: 'spdx', output: spdx, platform: 'linux/arm64/v8', cache: false, attest: true, key: keyFile, form: 'legacy' }),
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal((JSON.parse(readFileSync(spdx, 'utf8')) as { spdxVersion?: string }).spdxVersion, 'SPDX-2.3');
    // The platform manifest that was read is the subject, not the index.
    const v = await verify(`${reg.host}/team/multi@${armDigest}`, 'cyclonedx');
    assert.deepEqual(v.verified.map((a) => a.form), ['legacy']);
    const predicate = v.verified[0]!.statement.predicate as { bomFormat?: string; components?: { name?: string }[] };
    assert.equal(predicate.bomFormat, 'CycloneDX');
    assert.deepEqual(v.verified[0]!.statement.subject.map((s) => s.digest), [{ sha256: hexOf(armDigest) }]);
    await assert.rejects(verify(`${reg.host}/team/multi@${indexDigest}`, 'cyclonedx'), 'the index itself carries no attestation');
  });

  test('usage errors exit 2 before anything is read or pushed', async () => {
    const cases: [string, Parameters<typeof runSbom>[1], RegExp][] = [
      [`${reg.host}/team/app:1.0`, { format: 'cyclonedx', attest: true }, /--attest needs --key/],
      [`oci-dir:${tmp}`, { format: 'cyclonedx', attest: true, key: keyFile }, /--attest needs a registry image/],
      [`dir:${tmp}`, { format: 'cyclonedx', attest: true, key: keyFile }, /--attest needs a registry image/],
      [`${reg.host}/team/app:1.0`, { format: 'cyclonedx', key: keyFile }, /--key is only used with --attest/],
      [`${reg.host}/team/app:1.0`, { format: 'cyclonedx', attest: true, key: path.join(tmp, 'missing.key') }, /missing\.key/],
    ];
    for (const [source, opts, message] of cases) {
      const res = await capture(() => runSbom(source, { ...opts, output: path.join(tmp, 'unused.json'), cache: false }));
      assert.equal(res.code, 2, `${source} ${JSON.stringify(opts)}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});

describe('scan --attest', () => {
  test('attaches the report it wrote as a cosign vuln predicate to the scanned digest', async () => {
    const report = path.join(tmp, 'app.report.json');
    const started = new Date(Math.floor(Date.now() / 1000) * 1000);
    const res = await capture(() =>
      runScan(`${reg.host}/team/app:1.0`, { format: 'json', output: report, db, skipDbUpdate: true, cache: false, attest: true, key: keyFile, form: 'bundle', exitCode: '7' }),
    );
    const finished = new Date();
    const written = JSON.parse(readFileSync(report, 'utf8')) as { summary: { total: number }; tool: { version: string }; db: { builtAt: string } };
    assert.ok(written.summary.total > 0, 'the Alpine 3.18 image has known vulnerabilities');
    assert.equal(res.code, 7, `findings still give --exit-code, after attesting: ${res.stderr}`);
    assert.match(res.stderr, /vulnerability attestation to sha256:[0-9a-f]{64} as a Sigstore bundle/);

    const v = await verify(`${reg.host}/team/app@${appDigest}`, 'vuln');
    assert.deepEqual(v.verified.map((a) => a.form), ['bundle']);
    const st = v.verified[0]!.statement;
    assert.equal(st.predicateType, 'https://cosign.sigstore.dev/attestation/vuln/v1');
    assert.deepEqual(st.subject.map((s) => s.digest), [{ sha256: hexOf(appDigest) }]);
    const p = st.predicate as {
      invocation: Record<string, unknown>;
      scanner: { uri: string; version: string; db: { uri: string; version: string }; result: unknown };
      metadata: { scanStartedOn: string; scanFinishedOn: string };
    };
    assert.deepEqual(Object.keys(p).sort(), ['invocation', 'metadata', 'scanner']);
    assert.deepEqual(Object.keys(p.invocation).sort(), ['builder.id', 'event_id', 'parameters', 'uri']);
    assert.deepEqual(p.scanner.result, written);
    assert.equal(p.scanner.version, written.tool.version);
    assert.equal(p.scanner.db.version, written.db.builtAt);
    const t0 = Date.parse(p.metadata.scanStartedOn);
    const t1 = Date.parse(p.metadata.scanFinishedOn);
    assert.ok(started.getTime() <= t0 && t0 <= t1 && t1 <= finished.getTime(), JSON.stringify(p.metadata));
    // The earlier sbom test's CycloneDX attestation is still there beside it.
    assert.equal((await verify(`${reg.host}/team/app@${appDigest}`, 'cyclonedx')).verified.length, 2);
  });

  test('an SBOM file cannot be attested (exit 2)', async () => {
    const res = await capture(() => runScan(`sbom:${path.join(tmp, 'app.cdx.json')}`, { format: 'json', db, skipDbUpdate: true, attest: true, key: keyFile }));
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /--attest needs a registry image/);
  });
});
