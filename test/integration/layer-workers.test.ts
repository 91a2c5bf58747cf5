/**
 * Layers read in worker threads (src/scan/layer-pool.ts) must give exactly what the in-process reader gives, and
 * fail the same way: typed errors (so the CLI's exit codes hold), no hanging workers, nothing cached from a
 * failed read.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImageError, type SbomDocument } from '../../src/core/index.js';
import { analyzers } from '../../src/analyzers/index.js';
import { inspect } from '../../src/scan/index.js';
import { buildImage, buildLayer, makeTar, writeDockerArchive, writeOciLayout, type TarEntry } from '../support/image-builder.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-workers-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const dpkg = (pkgs: [string, string][]) =>
  pkgs.map(([n, v]) => `Package: ${n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${v}\nDescription: ${n}\n`).join('\n');

const layers: TarEntry[][] = [
  [
    { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' },
    { path: 'var/lib/dpkg/status', content: dpkg([['libc6', '2.36-9'], ['bash', '5.2.15-2']]) },
    { path: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n' },
  ],
  [
    { path: 'app/node_modules/lodash/package.json', content: JSON.stringify({ name: 'lodash', version: '4.17.20', license: 'MIT' }) },
    { path: 'app/node_modules/@scope/x/package.json', content: JSON.stringify({ name: '@scope/x', version: '1.0.0' }) },
    { path: 'var/lib/dpkg/status', content: dpkg([['libc6', '2.36-9'], ['bash', '5.2.15-2'], ['curl', '7.88.1-10']]) },
  ],
  [{ path: 'app/node_modules/@scope/.wh.x', content: '' }],
];

const purls = (d: SbomDocument) => d.packages.map((p) => `${p.purl} @${p.layer?.index}`).sort();

async function ociLayout(name: string, compression: 'gzip' | 'zstd' | 'none' = 'gzip'): Promise<{ dir: string; image: ReturnType<typeof buildImage> }> {
  const built = [];
  for (const l of layers) built.push(await buildLayer(await makeTar(l), compression));
  const image = buildImage(built);
  const dir = path.join(tmp, name);
  await writeOciLayout(dir, [{ tag: 'v1', image }]);
  return { dir, image };
}

describe('layer worker threads', () => {
  test('oci-dir: workers and the in-process reader give the same packages, layers and warnings', async () => {
    const { dir } = await ociLayout('same');
    const a = await inspect(`oci-dir:${dir}:v1`, { cacheDir: false, workers: true, now: new Date(0) });
    const b = await inspect(`oci-dir:${dir}:v1`, { cacheDir: false, workers: false, now: new Date(0) });
    assert.deepEqual(a, b);
    // Independent expectation: curl from layer 1, the scoped package whited out by layer 2, lodash kept.
    assert.deepEqual(purls(a), [
      'pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12 @0',
      'pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12 @1',
      'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12 @0',
      'pkg:npm/lodash@4.17.20 @1',
      'pkg:pypi/six@1.16.0 @0',
    ]);
  });

  test('zstd and uncompressed layers are read by workers too', async () => {
    for (const c of ['zstd', 'none'] as const) {
      const { dir } = await ociLayout(`c-${c}`, c);
      const d = await inspect(`oci-dir:${dir}:v1`, { cacheDir: false, workers: true });
      assert.equal(d.packages.length, 5, c);
    }
  });

  test('docker-archive layers (file ranges inside the archive) are read by workers', async () => {
    const tars = await Promise.all(layers.map((l) => makeTar(l)));
    const built = [];
    for (const t of tars) built.push(await buildLayer(t, 'none', true));
    const file = path.join(tmp, 'archive.tar');
    await writeDockerArchive(file, buildImage(built, { docker: true }), tars, ['app:1']);
    const a = await inspect(`docker-archive:${file}`, { cacheDir: false, workers: true, now: new Date(0) });
    const b = await inspect(`docker-archive:${file}`, { cacheDir: false, workers: false, now: new Date(0) });
    assert.deepEqual(a, b);
    assert.equal(a.packages.length, 5);
  });

  test('a corrupted blob fails with the typed DIGEST_MISMATCH error and is not cached', async () => {
    const { dir, image } = await ociLayout('corrupt');
    const digest = image.layers[1]!.digest;
    const blob = path.join(dir, 'blobs', 'sha256', digest.slice(7));
    const bytes = await readFile(blob);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    await writeFile(blob, bytes);
    const cacheDir = path.join(tmp, 'cache-corrupt');
    await assert.rejects(
      inspect(`oci-dir:${dir}:v1`, { cacheDir, workers: true }),
      (e: unknown) => e instanceof ImageError && ['DIGEST_MISMATCH', 'MALFORMED_LAYER', 'TRUNCATED_LAYER'].includes(e.code),
    );
    // Whatever the other layers left in the cache, the corrupted one is not there: a re-run still fails.
    await assert.rejects(inspect(`oci-dir:${dir}:v1`, { cacheDir, workers: true }), ImageError);
    const cached = await readdir(path.join(cacheDir, 'layers')).catch(() => []);
    assert.ok(cached.length < 3, `at most the two intact layers are cached, found ${cached.length}`);
  });

  test('a blob with garbage appended fails (size check) with a typed error', async () => {
    const { dir, image } = await ociLayout('long');
    const blob = path.join(dir, 'blobs', 'sha256', image.layers[0]!.digest.slice(7));
    await writeFile(blob, Buffer.concat([await readFile(blob), Buffer.from('trailing')]));
    await assert.rejects(inspect(`oci-dir:${dir}:v1`, { cacheDir: false, workers: true }), (e: unknown) => e instanceof ImageError && e.code === 'SIZE_MISMATCH');
  });

  test('an abort signal stops the scan and the workers (the test process can exit)', async () => {
    const { dir } = await ociLayout('abort');
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await assert.rejects(inspect(`oci-dir:${dir}:v1`, { cacheDir: false, workers: true, signal: ac.signal }), /stop now|abort/);
  });

  test('an analyzer list not drawn from the registry runs in-process and still works', async () => {
    const { dir } = await ociLayout('custom');
    const dpkgOnly = analyzers.filter((a) => a.id === 'dpkg' || a.id === 'release').map((a) => ({ ...a }));
    const d = await inspect(`oci-dir:${dir}:v1`, { cacheDir: false, workers: true, analyzers: dpkgOnly });
    assert.deepEqual(d.packages.map((p) => p.name).sort(), ['bash', 'curl', 'libc6']);
  });
});
