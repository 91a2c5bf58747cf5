/**
 * `tollgate trusted-root update|show` and the default trusted root of keyless verification, through the CLI
 * (src/cli/main.ts's command tree in a child process), with no network:
 *
 * - `update --offline` writes the seed embedded in @sigstore/tuf; its Fulcio CAs must include the public-good Fulcio
 *   root of interop/trusted-roots/sigstore-public-good.json (sigstore-go's copy, compared byte for byte); an old file
 *   is replaced whole, and a write that fails (read-only directory, file-size limit hit mid-write) leaves it as it was;
 * - `verify` of Connaisseur's real keyless signature (pushed to a real registry as in keyless-verify-registry.test.ts)
 *   with no --trusted-root, no $TOLLGATE_TRUSTED_ROOT and an empty --cache-dir verifies against the seed and says so,
 *   and so does `verify-bundle` of cosign's real keyless attestation bundle;
 * - `update --mirror` against a local HTTP server that answers 404 or garbage exits 3 and leaves the cache alone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadVerificationTrust } from '../../src/admission/index.js';
import type { TollgateEvent } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { hasStackTrace } from '../support/cli.js';
import { repoRoot, shared } from '../support/paths.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const PUBLIC_GOOD_FILE = shared('interop', 'trusted-roots', 'sigstore-public-good.json');
type RootJson = { certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[]; tlogs: unknown[]; ctlogs: unknown[]; timestampAuthorities?: unknown[] };
const PUBLIC_GOOD = JSON.parse(readFileSync(PUBLIC_GOOD_FILE, 'utf8')) as RootJson;
/** The anchor of the current public-good Fulcio CA (the last certificate of its chain; `openssl x509` CN=sigstore). */
const FULCIO_ROOT_DER = Buffer.from(PUBLIC_GOOD.certificateAuthorities.at(-1)!.certChain.certificates.at(-1)!.rawBytes, 'base64');
const caCertificates = (r: RootJson) => r.certificateAuthorities.flatMap((ca) => ca.certChain.certificates.map((c) => Buffer.from(c.rawBytes, 'base64')));

const CONN = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
const KEYLESS_DIGEST = 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee';
const KEYLESS_SIG_FILE = path.join(CONN, 'manifests', `sha256-${KEYLESS_DIGEST.slice(7)}.sig.json`);
const PHILIPP = { subject: 'philipp.belitz@securesystems.de', issuer: 'https://github.com/login/oauth' };
// interop/sigstore-bundles/index.json: subject of the attestation, SAN and issuer of its certificate.
const ATT_BUNDLE_FILE = shared('interop', 'sigstore-bundles', 'cosign-oci-attestation.sigstore.json');
const ATT_DIGEST = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
const CODY = { subject: 'cody@soyland.com', issuer: 'https://github.com/login/oauth' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it, in its own process; `shell` runs it under `sh -c` (for `ulimit`), `uid` as another user. */
function cli(args: string[], env: NodeJS.ProcessEnv, opts: { shellPrefix?: string; uid?: number } = {}): Promise<Run> {
  const main = path.join(repoRoot, 'src', 'cli', 'main.ts');
  const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(process.argv.slice(1));`;
  const argv = ['--import', 'tsx', '--input-type=module', '-e', script, '--', ...args];
  const [cmd, cmdArgs] = opts.shellPrefix
    ? ['sh', ['-c', `${opts.shellPrefix}; exec "$0" "$@"`, process.execPath, ...argv]]
    : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, {
      cwd: repoRoot,
      env: { ...process.env, TOLLGATE_TRUSTED_ROOT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes Connaisseur's captured `.sig` image byte for byte (config rebuilt as go-containerregistry writes it). */
async function pushCapturedSig(client: RegistryClient, repo: string): Promise<void> {
  const ref = parseReference(repo);
  const bytes = readFileSync(KEYLESS_SIG_FILE);
  const m = JSON.parse(bytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  const ids = m.layers.map((l) => l.digest);
  const config = Buffer.from(
    JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: ids.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: ids }, config: {} }),
  );
  assert.equal(sha(config), m.config.digest);
  await client.pushBlob(ref, config);
  for (const l of m.layers) await client.pushBlob(ref, readFileSync(path.join(CONN, 'blobs', `${l.digest.replace(':', '_')}.json`)));
  await client.putManifest(ref, `sha256-${KEYLESS_DIGEST.slice(7)}.sig`, bytes, 'application/vnd.oci.image.manifest.v1+json');
}

describe('tollgate trusted-root', () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-trusted-root-'));
    // Nothing from the user's cache or environment: HOME and XDG_CACHE_HOME point at empty folders.
    env = { HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'), DOCKER_CONFIG: path.join(tmp, 'docker') };
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('update --offline writes the embedded seed atomically: the public-good Fulcio root, the summary, the old file replaced', async () => {
    const cache = path.join(tmp, 'offline');
    const target = path.join(cache, 'sigstore', 'trusted_root.json');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, '{"old": true}\n');
    const r = await cli(['trusted-root', 'update', '--offline', '--cache-dir', cache], env);
    assert.equal(r.code, 0, r.stderr);
    const written = JSON.parse(await readFile(target, 'utf8')) as RootJson;
    assert.ok(caCertificates(written).some((c) => c.equals(FULCIO_ROOT_DER)), 'the public-good Fulcio root is a CA certificate of the written root');
    assert.deepEqual(await readdir(path.dirname(target)), ['trusted_root.json'], 'no temporary file is left');
    // What was written: the path, each Fulcio CA with its window (as in the file), the counts of the file.
    assert.match(r.stdout, new RegExp(`^wrote ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(from the embedded seed of @sigstore/tuf \\d+\\.\\d+\\.\\d+\\)`));
    assert.match(r.stdout, /https:\/\/fulcio\.sigstore\.dev \(O=sigstore\.dev, CN=sigstore\): valid 2021-03-07T03:20:29\.000Z to 2022-12-31T23:59:59\.999Z/);
    assert.match(r.stdout, /https:\/\/fulcio\.sigstore\.dev \(O=sigstore\.dev, CN=sigstore\): valid from 2022-04-13T20:06:15\.000Z \(no end\)/);
    assert.match(r.stdout, new RegExp(`transparency logs: ${written.tlogs.length}, CT logs: ${written.ctlogs.length}, timestamp authorities: ${written.timestampAuthorities?.length ?? 0}`));

    const show = await cli(['trusted-root', 'show', '--cache-dir', cache, '--format', 'json'], env);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { file: string; cached: boolean; source: string; certificateAuthorities: unknown[] };
    assert.equal(shown.file, target);
    assert.equal(shown.cached, true);
    assert.match(shown.source, /embedded seed of @sigstore\/tuf/);
    assert.equal(shown.certificateAuthorities.length, written.certificateAuthorities.length);

    const conflicting = await cli(['trusted-root', 'update', '--offline', '--mirror', 'https://mirror.example', '--cache-dir', cache], env);
    assert.equal(conflicting.code, 2);
    assert.match(conflicting.stderr, /--offline .*--mirror/);
  });

  test('a write that fails leaves the old root whole: a read-only directory, and the file-size limit hit mid-write', async () => {
    const old = readFileSync(PUBLIC_GOOD_FILE);
    // Read-only directory (root ignores permissions: then the CLI runs as nobody).
    const ro = path.join(tmp, 'read-only');
    const roTarget = path.join(ro, 'sigstore', 'trusted_root.json');
    await mkdir(path.dirname(roTarget), { recursive: true });
    await writeFile(roTarget, old);
    await chmod(tmp, 0o755);
    await chmod(ro, 0o755);
    await chmod(path.dirname(roTarget), 0o555);
    try {
      const asRoot = process.getuid?.() === 0;
      const r = await cli(['trusted-root', 'update', '--offline', '--cache-dir', ro], { ...env, HOME: '/nonexistent' }, asRoot ? { uid: 65534 } : {});
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /cannot write the trusted root .*trusted_root\.json: EACCES/);
      assert.deepEqual(await readFile(roTarget), old);
      assert.deepEqual(await readdir(path.dirname(roTarget)), ['trusted_root.json']);
    } finally {
      await chmod(path.dirname(roTarget), 0o755);
    }

    // `ulimit -f 4` (4 KiB): the new root (larger) cannot be written whole; Node gets EFBIG mid-write.
    const small = path.join(tmp, 'fsize');
    const target = path.join(small, 'sigstore', 'trusted_root.json');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, old);
    const r = await cli(['trusted-root', 'update', '--offline', '--cache-dir', small], env, { shellPrefix: 'ulimit -f 4' });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /EFBIG/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    assert.deepEqual(await readFile(target), old);
    assert.deepEqual(await readdir(path.dirname(target)), ['trusted_root.json']);
  });

  test("the webhook's default root: the embedded seed when first needed, reported once as a warning event", async () => {
    const events: TollgateEvent[] = [];
    const cache = path.join(tmp, 'webhook-cache');
    const trust = await loadVerificationTrust({ cacheDir: cache, env: {}, events: (e) => events.push(e) });
    assert.equal(events.length, 0, 'nothing is loaded before a keyless authority needs it');
    const first = await trust.trustedRoot!();
    const second = await trust.trustedRoot!();
    assert.equal(first.id, 'public-good');
    assert.equal(second, first);
    assert.equal(events.length, 1);
    assert.ok(events[0]!.type === 'warning' && /embedded seed of @sigstore\/tuf/.test(events[0]!.message), JSON.stringify(events));
    assert.ok(first.root.certificateAuthorities.some((ca) => ca.certChain?.certificates.some((c) => Buffer.from(c.rawBytes).equals(FULCIO_ROOT_DER))));
  });

  describe('update --mirror against a local server that is no TUF repository', () => {
    let server: http.Server;
    let base: string;
    before(async () => {
      server = http.createServer((req, res) => {
        if (req.url?.startsWith('/garbage/')) {
          res.setHeader('content-type', 'application/json');
          res.end('<html>definitely not TUF</html>');
        } else {
          res.statusCode = 404;
          res.end('404 page not found');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    for (const [what, sub, reason] of [
      ['404', '/missing', /HTTP 404/],
      ['garbage', '/garbage', /JSON/],
    ] as const) {
      test(`${what}: exit 3, a message naming the mirror and the reason, the cached root untouched`, async () => {
        const cache = path.join(tmp, `mirror-${what}`);
        const target = path.join(cache, 'sigstore', 'trusted_root.json');
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, readFileSync(PUBLIC_GOOD_FILE));
        const r = await cli(['trusted-root', 'update', '--mirror', `${base}${sub}`, '--cache-dir', cache], env);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, new RegExp(`^error: cannot update the Sigstore trusted root from the TUF repository ${base}${sub}: `, 'm'));
        assert.match(r.stderr, reason);
        assert.ok(!hasStackTrace(r.stderr), r.stderr);
        assert.equal(r.stdout, '');
        assert.deepEqual(await readFile(target), readFileSync(PUBLIC_GOOD_FILE));
        // The TUF metadata cache is kept apart, under sigstore/tuf/.
        assert.deepEqual((await readdir(path.join(cache, 'sigstore'))).sort(), ['trusted_root.json', 'tuf']);
      });
    }
  });

  describe('verification with no trusted root given or cached uses the embedded seed', () => {
    let reg: TestRegistry;
    let client: RegistryClient;
    let repo: string;
    before(async () => {
      reg = await startRegistry({ auth: 'none' });
      client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'docker') });
      repo = `${reg.host}/phbelitz/rekor-test`;
      await pushCapturedSig(client, repo);
    });
    after(async () => {
      await client?.close();
      await reg?.stop();
    });

    test('verify: exit 0, the payload of sha256:31dc72…, and stderr names the embedded seed and `trusted-root update`', async () => {
      const cache = path.join(tmp, 'verify-empty-cache');
      const r = await cli(['verify', '--certificate-identity', PHILIPP.subject, '--certificate-oidc-issuer', PHILIPP.issuer, '--cache-dir', cache, `${repo}@${KEYLESS_DIGEST}`], env);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { critical: { image: Record<string, string> }; optional: Record<string, string> }[];
      assert.equal(out.length, 1);
      assert.equal(out[0]!.critical.image['docker-manifest-digest'], KEYLESS_DIGEST);
      assert.equal(out[0]!.optional.Subject, PHILIPP.subject);
      const notes = r.stderr.split('\n').filter((l) => /embedded seed/.test(l));
      assert.equal(notes.length, 1, r.stderr);
      assert.match(notes[0]!, /embedded seed of @sigstore\/tuf \d+\.\d+\.\d+/);
      assert.match(notes[0]!, /tollgate trusted-root update/);
      // The cache was initialised from the seed: the next run names the cached copy of the seed.
      const cached = JSON.parse(await readFile(path.join(cache, 'sigstore', 'trusted_root.json'), 'utf8')) as RootJson;
      assert.ok(caCertificates(cached).some((c) => c.equals(FULCIO_ROOT_DER)));
      const again = await cli(['verify', '--certificate-identity', PHILIPP.subject, '--certificate-oidc-issuer', PHILIPP.issuer, '--cache-dir', cache, `${repo}@${KEYLESS_DIGEST}`], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /cached Sigstore trusted root .* which is the embedded seed/);
      // --quiet: no note.
      const quiet = await cli(['--quiet', 'verify', '--certificate-identity', PHILIPP.subject, '--certificate-oidc-issuer', PHILIPP.issuer, '--cache-dir', path.join(tmp, 'quiet-cache'), `${repo}@${KEYLESS_DIGEST}`], env);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.doesNotMatch(quiet.stderr, /embedded seed/);
    });

    test('verify-bundle: the real keyless attestation bundle verifies against the seed, with the same note', async () => {
      const r = await cli(
        ['verify-bundle', '--bundle', ATT_BUNDLE_FILE, '--digest', ATT_DIGEST, '--certificate-identity', CODY.subject, '--certificate-oidc-issuer', CODY.issuer, '--cache-dir', path.join(tmp, 'bundle-cache')],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Verified OK/);
      assert.match(r.stderr, /embedded seed of @sigstore\/tuf .*tollgate trusted-root update/);
    });
  });
});
