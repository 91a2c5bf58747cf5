/**
 * The image → packages pipeline over real OCI layouts and docker archives built in code: layer order, whiteouts,
 * opaque directories, layer attribution, multi-platform indexes, media types, compression, the layer cache, and
 * refusal of corrupted or inconsistent images.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImageError, type SbomDocument } from '../../src/core/index.js';
import { inspect } from '../../src/scan/index.js';
import {
  buildImage,
  buildIndex,
  buildLayer,
  makeTar,
  writeDockerArchive,
  writeOciLayout,
  type TarEntry,
} from '../support/image-builder.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-sources-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const osRelease = (id: string, version: string, extra = '') => `ID=${id}\nVERSION_ID="${version}"\nPRETTY_NAME="${id} ${version}"\n${extra}`;

function stanza(name: string, version: string, source?: string): string {
  return [
    `Package: ${name}`,
    'Status: install ok installed',
    'Priority: optional',
    'Architecture: amd64',
    ...(source ? [`Source: ${source}`] : []),
    `Version: ${version}`,
    'Maintainer: Test <test@example.org>',
    `Description: ${name}`,
    '',
  ].join('\n');
}

const base: TarEntry[] = [
  { path: 'etc/', type: 'dir' },
  { path: 'etc/os-release', content: osRelease('debian', '12', 'VERSION_CODENAME=bookworm\n') },
  { path: 'etc/debian_version', content: '12.5\n' },
  { path: 'var/lib/dpkg/status', content: stanza('libc6', '2.36-9+deb12u4', 'glibc') + '\n' + stanza('bash', '5.2.15-2+b2') },
];

let counter = 0;
async function layout(images: { tag: string; layers: TarEntry[][]; compression?: ('gzip' | 'zstd' | 'none')[]; docker?: boolean }[]): Promise<string> {
  const dir = path.join(tmp, `layout-${counter++}`);
  const entries = [];
  for (const img of images) {
    const layers = [];
    for (let i = 0; i < img.layers.length; i++) {
      layers.push(await buildLayer(await makeTar(img.layers[i]!), img.compression?.[i] ?? 'gzip', img.docker));
    }
    entries.push({ tag: img.tag, image: buildImage(layers, { docker: img.docker ?? false }) });
  }
  await writeOciLayout(dir, entries);
  return dir;
}

function names(doc: SbomDocument): string[] {
  return doc.packages.map((p) => `${p.name}@${p.version}`).sort();
}

describe('layers', () => {
  test('a later layer replaces the dpkg database; each package keeps the layer that introduced it', async () => {
    const dir = await layout([
      {
        tag: 't',
        layers: [
          base,
          [{ path: 'var/lib/dpkg/status', content: stanza('libc6', '2.36-9+deb12u4', 'glibc') + '\n' + stanza('bash', '5.2.15-2+b2') + '\n' + stanza('curl', '7.88.1-10+deb12u5') }],
          [{ path: 'var/lib/dpkg/status', content: stanza('libc6', '2.36-9+deb12u7', 'glibc') + '\n' + stanza('curl', '7.88.1-10+deb12u5') }],
        ],
      },
    ]);
    const doc = await inspect(`oci-dir:${dir}:t`, { cacheDir: false });
    assert.deepEqual(names(doc), ['curl@7.88.1-10+deb12u5', 'libc6@2.36-9+deb12u7']);
    const layerOf = Object.fromEntries(doc.packages.map((p) => [p.name, p.layer?.index]));
    assert.deepEqual(layerOf, { curl: 1, libc6: 2 });
    assert.equal(doc.os?.family, 'debian');
    assert.equal(doc.os?.version, '12.5');
    const libc = doc.packages.find((p) => p.name === 'libc6')!;
    assert.equal(libc.purl, 'pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12');
    assert.equal(libc.layer?.diffId, doc.layers[2]!.diffId);
    assert.equal(libc.layer?.createdBy, 'layer 2');
  });

  test('a whiteout deletes the database of a lower layer', async () => {
    const dir = await layout([{ tag: 't', layers: [base, [{ path: 'var/lib/dpkg/.wh.status', content: '' }]] }]);
    const doc = await inspect(`oci-dir:${dir}:t`, { cacheDir: false });
    assert.deepEqual(names(doc), []);
    assert.equal(doc.os?.family, 'debian');
  });

  test('a whiteout of a parent directory deletes everything below it', async () => {
    const dir = await layout([{ tag: 't', layers: [base, [{ path: 'var/lib/.wh.dpkg', content: '' }]] }]);
    const doc = await inspect(`oci-dir:${dir}:t`, { cacheDir: false });
    assert.deepEqual(names(doc), []);
  });

  test('an opaque directory hides lower content but keeps its own layer', async () => {
    const dir = await layout([
      {
        tag: 't',
        layers: [
          [...base.slice(0, 3), { path: 'var/lib/dpkg/status.d/old', content: stanza('old-pkg', '1.0') }],
          [
            { path: 'var/lib/dpkg/status.d/.wh..wh..opq', content: '' },
            { path: 'var/lib/dpkg/status.d/new', content: stanza('new-pkg', '2.0') },
          ],
        ],
      },
    ]);
    const doc = await inspect(`oci-dir:${dir}:t`, { cacheDir: false });
    assert.deepEqual(names(doc), ['new-pkg@2.0']);
  });

  test('a symlink replacing os-release in an upper layer hides the lower file', async () => {
    const dir = await layout([
      {
        tag: 't',
        layers: [
          [{ path: 'etc/os-release', content: osRelease('alpine', '3.19.1') }, { path: 'etc/alpine-release', content: '3.19.1\n' }],
          [
            { path: 'etc/.wh.alpine-release', content: '' },
            { path: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
            { path: 'usr/lib/os-release', content: osRelease('debian', '12') },
          ],
        ],
      },
    ]);
    const doc = await inspect(`oci-dir:${dir}:t`, { cacheDir: false });
    assert.equal(doc.os?.family, 'debian');
  });
});

describe('image formats', () => {
  test('zstd, plain and gzip layers, OCI and Docker media types, manifest without mediaType', async () => {
    const layers = [[...base.slice(0, 3)], [{ path: 'var/lib/dpkg/status', content: stanza('zlib1g', '1:1.2.13.dfsg-1') }]];
    for (const variant of [
      { compression: ['zstd', 'none'] as const, docker: false },
      { compression: ['gzip', 'zstd'] as const, docker: true },
    ]) {
      const dir = path.join(tmp, `fmt-${counter++}`);
      const built = [];
      for (let i = 0; i < layers.length; i++) built.push(await buildLayer(await makeTar(layers[i]!), variant.compression[i], variant.docker));
      await writeOciLayout(dir, [{ tag: 'x', image: buildImage(built, { docker: variant.docker, omitMediaType: !variant.docker }) }]);
      const doc = await inspect(`oci-dir:${dir}:x`, { cacheDir: false });
      assert.deepEqual(names(doc), ['zlib1g@1:1.2.13.dfsg-1']);
      assert.equal(doc.image.manifestMediaType, variant.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json');
    }
  });

  test('multi-platform index: --platform picks the manifest; a missing platform lists the available ones', async () => {
    const amd = buildImage([await buildLayer(await makeTar([...base.slice(0, 3), { path: 'var/lib/dpkg/status', content: stanza('amd-only', '1') }]))]);
    const arm = buildImage([await buildLayer(await makeTar([...base.slice(0, 3), { path: 'var/lib/dpkg/status', content: stanza('arm-only', '1') }]))], {
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    const index = buildIndex([amd, arm]);
    const dir = path.join(tmp, `multi-${counter++}`);
    await writeOciLayout(dir, [{ tag: 'multi', index }]);
    const d1 = await inspect(`oci-dir:${dir}:multi`, { cacheDir: false });
    assert.deepEqual(names(d1), ['amd-only@1']);
    assert.equal(d1.image.indexDigest, index.digest);
    assert.equal(d1.image.manifestDigest, amd.manifestDigest);
    const d2 = await inspect(`oci-dir:${dir}:multi`, { cacheDir: false, platform: 'linux/arm64' });
    assert.deepEqual(names(d2), ['arm-only@1']);
    await assert.rejects(inspect(`oci-dir:${dir}:multi`, { cacheDir: false, platform: 'linux/s390x' }), (e: unknown) => {
      assert.ok(e instanceof ImageError);
      assert.equal(e.code, 'PLATFORM_NOT_FOUND');
      assert.match(e.message, /linux\/amd64, linux\/arm64\/v8/);
      return true;
    });
  });

  test('docker-archive, plain and gzip, chosen by tag', async () => {
    const tars = [await makeTar(base)];
    const image = buildImage([await buildLayer(tars[0]!, 'none', true)], { docker: true });
    for (const gzip of [false, true]) {
      const file = path.join(tmp, `archive-${counter++}.tar${gzip ? '.gz' : ''}`);
      await writeDockerArchive(file, image, tars, ['example.org/app:1.0'], gzip);
      const doc = await inspect(`docker-archive:${file}`, { cacheDir: false });
      assert.deepEqual(names(doc), ['bash@5.2.15-2+b2', 'libc6@2.36-9+deb12u4']);
      assert.deepEqual(doc.image.repoTags, ['example.org/app:1.0']);
      const tagged = await inspect(`docker-archive:${file}:example.org/app:1.0`, { cacheDir: false });
      assert.equal(tagged.packages.length, 2);
    }
  });

  test('dir: reads a root filesystem', async () => {
    const root = path.join(tmp, `rootfs-${counter++}`);
    for (const e of base) {
      if (e.type === 'dir' || !('content' in e)) continue;
      await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(path.join(root, e.path)), { recursive: true }));
      await writeFile(path.join(root, e.path), e.content);
    }
    const doc = await inspect(`dir:${root}`, { cacheDir: false });
    assert.deepEqual(names(doc), ['bash@5.2.15-2+b2', 'libc6@2.36-9+deb12u4']);
    assert.equal(doc.os?.version, '12.5');
  });
});

describe('integrity', () => {
  async function oneImage() {
    const layer = await buildLayer(await makeTar(base));
    const image = buildImage([layer]);
    const dir = path.join(tmp, `int-${counter++}`);
    await writeOciLayout(dir, [{ tag: 't', image }]);
    return { dir, image, layer };
  }

  test('a corrupted layer blob is a DIGEST_MISMATCH, not an empty result', async () => {
    const { dir, layer } = await oneImage();
    const file = path.join(dir, 'blobs', 'sha256', layer.digest.slice(7));
    const bytes = await readFile(file);
    bytes[bytes.length - 10]! ^= 0xff;
    await writeFile(file, bytes);
    await assert.rejects(inspect(`oci-dir:${dir}:t`, { cacheDir: false }), (e: unknown) => e instanceof ImageError && ['DIGEST_MISMATCH', 'MALFORMED_LAYER'].includes(e.code));
  });

  test('a blob of the right digest but with extra bytes is refused', async () => {
    const { dir, layer } = await oneImage();
    const file = path.join(dir, 'blobs', 'sha256', layer.digest.slice(7));
    await writeFile(file, Buffer.concat([await readFile(file), Buffer.from('trailing')]));
    await assert.rejects(inspect(`oci-dir:${dir}:t`, { cacheDir: false }), (e: unknown) => e instanceof ImageError && ['SIZE_MISMATCH', 'DIGEST_MISMATCH'].includes(e.code));
  });

  test('a tampered config is a DIGEST_MISMATCH', async () => {
    const { dir, image } = await oneImage();
    const file = path.join(dir, 'blobs', 'sha256', image.configDigest.slice(7));
    const text = (await readFile(file, 'utf8')).replace('"amd64"', '"arm64"');
    await writeFile(file, text);
    await assert.rejects(inspect(`oci-dir:${dir}:t`, { cacheDir: false }), (e: unknown) => e instanceof ImageError && e.code === 'DIGEST_MISMATCH');
  });

  test('a layer with a blob digest is bound by it: a lying diff_id can neither break the scan nor poison the layer cache', async () => {
    // The verified blob digest binds the compressed bytes and so (decompression being deterministic) the tar; the
    // diff_id is not hashed again (see openVerifiedLayer). What matters is that the cache is not keyed by it.
    const claimed = 'sha256:' + 'ab'.repeat(32);
    const cacheDir = path.join(tmp, `cache-${counter++}`);
    const docs: SbomDocument[] = [];
    for (const entries of [base, [...base.slice(0, 3), { path: 'var/lib/dpkg/status', content: stanza('zsh', '5.9-4') }]]) {
      const image = buildImage([await buildLayer(await makeTar(entries))], { diffIds: [claimed] });
      const dir = path.join(tmp, `diffid-${counter++}`);
      await writeOciLayout(dir, [{ tag: 't', image }]);
      docs.push(await inspect(`oci-dir:${dir}:t`, { cacheDir }));
    }
    // Both images claim the same diff_id; the second must still be read, not served the first one's packages.
    assert.deepEqual(names(docs[0]!), ['bash@5.2.15-2+b2', 'libc6@2.36-9+deb12u4']);
    assert.deepEqual(names(docs[1]!), ['zsh@5.9-4']);
  });

  test('a layer without a blob digest (docker-archive) is checked against its diff_id', async () => {
    const t = await makeTar(base);
    const image = buildImage([await buildLayer(t, 'none', true)], { docker: true, diffIds: ['sha256:' + 'ab'.repeat(32)] });
    const file = path.join(tmp, `archive-${counter++}.tar`);
    await writeDockerArchive(file, image, [t], ['example.org/app:1.0']);
    await assert.rejects(inspect(`docker-archive:${file}`, { cacheDir: false }), (e: unknown) => e instanceof ImageError && e.code === 'DIGEST_MISMATCH' && /diff_id/.test(e.message));
  });

  test('the layer cache: the second run reads no layer blob at all', async () => {
    const { dir, layer } = await oneImage();
    const cacheDir = path.join(tmp, `cache-${counter++}`);
    const first = await inspect(`oci-dir:${dir}:t`, { cacheDir });
    // Remove the layer blob: only a cache hit can now produce the same answer.
    await rm(path.join(dir, 'blobs', 'sha256', layer.digest.slice(7)));
    const second = await inspect(`oci-dir:${dir}:t`, { cacheDir });
    assert.deepEqual(second.packages, first.packages);
    assert.deepEqual(second.os, first.os);
    const entries = await readdir(path.join(cacheDir, 'layers'), { recursive: true });
    assert.ok(entries.some((e) => e.endsWith('.json')));
  });

  test('a failed layer is not cached', async () => {
    const { dir, layer } = await oneImage();
    const cacheDir = path.join(tmp, `cache-${counter++}`);
    const file = path.join(dir, 'blobs', 'sha256', layer.digest.slice(7));
    const good = await readFile(file);
    const bad = Buffer.from(good);
    bad[bad.length - 10]! ^= 0xff;
    await writeFile(file, bad);
    await assert.rejects(inspect(`oci-dir:${dir}:t`, { cacheDir }));
    await assert.rejects(readdir(path.join(cacheDir, 'layers')));
  });

  test('concurrent runs sharing a cache directory all succeed', async () => {
    const { dir } = await oneImage();
    const cacheDir = path.join(tmp, `cache-${counter++}`);
    const docs = await Promise.all(Array.from({ length: 4 }, () => inspect(`oci-dir:${dir}:t`, { cacheDir })));
    for (const d of docs) assert.deepEqual(names(d), ['bash@5.2.15-2+b2', 'libc6@2.36-9+deb12u4']);
  });

  test('missing tag, missing layout and a manifest that is not an image give clear errors', async () => {
    const { dir } = await oneImage();
    await assert.rejects(inspect(`oci-dir:${dir}:nope`, { cacheDir: false }), /no image tagged "nope".*tags: t/);
    await assert.rejects(inspect(`oci-dir:${path.join(tmp, 'absent')}`, { cacheDir: false }), /not an OCI image layout/);
  });
});
