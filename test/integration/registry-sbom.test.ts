/**
 * `sbom` of images in a real registry (CNCF distribution, started by the harness on a random loopback port) in its
 * three auth variants: anonymous over HTTP, Basic (htpasswd, bcrypt) over TLS, and Bearer tokens over TLS.
 */
import assert from 'node:assert/strict';
import { rm, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryError } from '../../src/core/index.js';
import { RegistryClient } from '../../src/oci/index.js';
import { inspect } from '../../src/scan/index.js';
import { buildImage, buildIndex, buildLayer, makeTar, type TarEntry } from '../support/image-builder.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type RegistryAuth, type TestRegistry } from '../support/registry.js';
import { runCli, hasStackTrace } from '../support/cli.js';

const files = (pkg: string): TarEntry[] => [
  { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' },
  { path: 'etc/debian_version', content: '12.5\n' },
  {
    path: 'var/lib/dpkg/status',
    content: `Package: ${pkg}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\nSource: ${pkg}-src (1.0-0.1)\nMaintainer: T <t@example.org>\nDescription: x\n`,
  },
];

for (const auth of ['none', 'basic', 'token'] as RegistryAuth[]) {
  describe(`registry with auth=${auth}`, () => {
    let reg: TestRegistry;
    let tmp: string;
    let client: RegistryClient;
    let layerDigest: string;
    before(async () => {
      reg = await startRegistry({ auth });
      tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-regsbom-'));
      client = new RegistryClient({
        ...(reg.username ? { credentials: { username: reg.username, password: reg.password! } } : {}),
        ...(reg.caFile ? { caFile: reg.caFile } : {}),
        dockerConfigDir: path.join(tmp, 'no-docker-config'),
      });
      const layer = await buildLayer(await makeTar(files('hello')));
      layerDigest = layer.digest;
      await pushImage(client, `${reg.host}/team/app:1.0`, { image: buildImage([layer]) });
      const amd = buildImage([await buildLayer(await makeTar(files('amd-pkg')))]);
      const arm = buildImage([await buildLayer(await makeTar(files('arm-pkg')), 'zstd')], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
      await pushImage(client, `${reg.host}/team/multi:1`, { index: buildIndex([amd, arm]) });
    });
    after(async () => {
      await client?.close();
      await reg?.stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    test('reads the image with the library API', async () => {
      const doc = await inspect(`${reg.host}/team/app:1.0`, { cacheDir: false, registry: () => client });
      assert.deepEqual(doc.packages.map((p) => p.name), ['hello']);
      const m = doc.packages[0]!.metadata;
      assert.ok(m?.kind === 'dpkg' && m.sourceName === 'hello-src' && m.sourceVersion === '1.0-0.1');
      assert.equal(doc.image.repository, `${reg.host}/team/app`);
      assert.match(doc.image.manifestDigest ?? '', /^sha256:/);
    });

    test('multi-platform index through the registry', async () => {
      const amd = await inspect(`${reg.host}/team/multi:1`, { cacheDir: false, registry: () => client });
      assert.deepEqual(amd.packages.map((p) => p.name), ['amd-pkg']);
      const arm = await inspect(`registry:${reg.host}/team/multi:1`, { cacheDir: false, registry: () => client, platform: 'linux/arm64/v8' });
      assert.deepEqual(arm.packages.map((p) => p.name), ['arm-pkg']);
    });

    test('the CLI reads it, with credentials from flags/env and the CA from --ca-file', async () => {
      const cacheHome = path.join(tmp, 'cli-cache');
      const args = ['sbom', `${reg.host}/team/app:1.0`, '-f', 'json', ...(reg.caFile ? ['--ca-file', reg.caFile] : [])];
      const env = {
        XDG_CACHE_HOME: cacheHome,
        DOCKER_CONFIG: path.join(tmp, 'no-docker-config'),
        ...(reg.username ? { TOLLGATE_USERNAME: reg.username, TOLLGATE_PASSWORD: reg.password! } : {}),
      };
      const r = await runCli(args, { env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name), ['hello']);
      assert.ok(!r.stderr.includes(reg.password ?? '\0never'), 'the password must not be printed');

      // Second run: layers come from the cache. With the layer blob deleted from the registry's storage,
      // only a run that downloads nothing but manifest and config can still succeed.
      await rm(reg.blobPath(layerDigest));
      const again = await runCli(args, { env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, r.stdout.replace(/"createdAt": "[^"]+"/, (m) => m).length ? again.stdout : '');
      assert.deepEqual((JSON.parse(again.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name), ['hello']);
      // And without the cache the missing blob is an operational error, not an empty SBOM.
      const nocache = await runCli([...args, '--no-cache'], { env });
      assert.equal(nocache.code, 3, nocache.stderr);
      assert.ok(!hasStackTrace(nocache.stderr));
    });

    if (auth !== 'none') {
      test('wrong or missing credentials fail clearly', async () => {
        const bad = new RegistryClient({
          credentials: { username: 'alice', password: 'wrong-password' },
          ...(reg.caFile ? { caFile: reg.caFile } : {}),
          dockerConfigDir: path.join(tmp, 'no-docker-config'),
        });
        await assert.rejects(inspect(`${reg.host}/team/app:1.0`, { cacheDir: false, registry: () => bad }), (e: unknown) => {
          assert.ok(e instanceof RegistryError, String(e));
          assert.ok(['UNAUTHORIZED', 'DENIED'].includes(e.code));
          assert.ok(!e.message.includes('wrong-password'));
          return true;
        });
        await bad.close();
        const r = await runCli(['sbom', `${reg.host}/team/app:1.0`, '--ca-file', reg.caFile!], {
          env: { DOCKER_CONFIG: path.join(tmp, 'no-docker-config'), XDG_CACHE_HOME: path.join(tmp, 'c2') },
        });
        assert.equal(r.code, 3);
        assert.match(r.stderr, /unauthori[sz]ed|authentication|denied/i);
      });
    }
  });
}
