/**
 * RegistryClient against a real CNCF distribution 2.8 registry (Debian docker-registry) started by the harness,
 * in its three auth variants. Images are built in code; expected digests are computed by the test from the bytes
 * it built (never by the client under test).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { RegistryError } from '../../src/core/index.js';
import { parseReference } from '../../src/oci/reference.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/index.js';
import { buildTestImage, buildTestIndex, sha256Digest, startRegistry, type TestImage, type TestRegistry } from '../support/registry.js';

async function pushImage(client: RegistryClient, refText: string, image: TestImage, tag?: string): Promise<string> {
  const ref = parseReference(refText);
  for (const b of [image.config, ...image.layers]) await client.pushBlob(ref, b.bytes);
  return client.putManifest(ref, tag ?? image.manifest.digest, image.manifest.bytes, image.manifest.mediaType);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

for (const auth of ['none', 'basic', 'token'] as const) {
  describe(`registry client against distribution 2.8 (auth: ${auth})`, () => {
    let reg: TestRegistry;
    let client: RegistryClient;
    const repo = 'tollgate/small';

    before(async () => {
      reg = await startRegistry({ auth });
      const options: RegistryClientOptions = { dockerConfigDir: reg.dir /* no config.json there */, ...(reg.caFile ? { caFile: reg.caFile } : {}) };
      if (reg.username && reg.password) options.credentials = { username: reg.username, password: reg.password };
      client = new RegistryClient(options);
    });
    after(async () => {
      await client?.close();
      await reg?.stop();
    });

    test('pushes an image and reads it back, verified', async () => {
      const image = buildTestImage();
      const ref = parseReference(`${reg.host}/${repo}:v1`);
      const pushed = await pushImage(client, ref.toString(), image, 'v1');
      assert.equal(pushed, image.manifest.digest);

      const byTag = await client.getManifest(ref);
      assert.equal(byTag.digest, image.manifest.digest);
      assert.equal(byTag.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.deepEqual(byTag.bytes, image.manifest.bytes);

      const byDigest = await client.getManifest(ref, image.manifest.digest);
      assert.deepEqual(byDigest.bytes, image.manifest.bytes);

      const head = await client.headManifest(ref, 'v1');
      assert.deepEqual(head, { digest: image.manifest.digest, mediaType: image.manifest.mediaType, size: image.manifest.size });
      assert.equal(await client.headManifest(ref, 'no-such-tag'), undefined);

      const config = await client.getBlobBytes(ref, image.config.digest, 1024 * 1024, { expectedSize: image.config.size });
      assert.deepEqual(config, image.config.bytes);

      const layer = image.layers[0]!;
      const stream = await client.getBlob(ref, layer.digest, { expectedSize: layer.size });
      const bytes = await readAll(stream);
      assert.equal(sha256Digest(bytes), layer.digest);
      // The layer is the gzip of a tar holding hello.txt.
      assert.match(gunzipSync(bytes).toString('latin1'), /hello from amd64/);

      assert.equal(await client.blobExists(ref, layer.digest), true);
      assert.equal(await client.blobExists(ref, `sha256:${'0'.repeat(64)}`), false);
      assert.deepEqual(await client.listTags(ref), ['v1']);
    });

    test('pushing again skips blobs the registry has', async () => {
      const image = buildTestImage();
      const ref = parseReference(`${reg.host}/${repo}:v1`);
      const result = await client.pushBlob(ref, image.layers[0]!.bytes);
      assert.equal(result.skipped, 'exists');
    });

    test('pushes a blob from a stream with a known digest and size', async () => {
      const bytes = Buffer.from('streamed blob '.repeat(1000));
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const ref = parseReference(`${reg.host}/${repo}:v1`);
      const result = await client.pushBlob(ref, { stream: () => Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]), digest, size: bytes.length });
      assert.deepEqual(result, { digest, size: bytes.length, skipped: undefined });
      assert.equal(await text(await client.getBlob(ref, digest)), bytes.toString());
    });

    test('pushes an OCI index with two platform manifests and resolves each child', async () => {
      const multi = buildTestIndex(['amd64', 'arm64']);
      const ref = parseReference(`${reg.host}/tollgate/multi:latest`);
      // Children first: distribution refuses an index whose manifests are missing (MANIFEST_BLOB_UNKNOWN).
      for (const { image } of multi.images) await pushImage(client, ref.toString(), image);
      const digest = await client.putManifest(ref, 'latest', multi.index.bytes, multi.index.mediaType);
      assert.equal(digest, multi.index.digest);

      const got = await client.getManifest(ref, 'latest');
      assert.equal(got.mediaType, 'application/vnd.oci.image.index.v1+json');
      assert.equal(got.digest, multi.index.digest);
      const index = JSON.parse(got.bytes.toString()) as { manifests: { digest: string; platform: { architecture: string } }[] };
      assert.deepEqual(
        index.manifests.map((m) => m.platform.architecture),
        ['amd64', 'arm64'],
      );
      for (const [i, m] of index.manifests.entries()) {
        const child = await client.getManifest(ref, m.digest);
        assert.equal(child.digest, multi.images[i]!.image.manifest.digest);
        const config = JSON.parse((await client.getBlobBytes(ref, multi.images[i]!.image.config.digest, 65536)).toString()) as { architecture: string };
        assert.equal(config.architecture, m.platform.architecture);
      }
    });

    test('a Docker schema 2 manifest keeps its media type', async () => {
      const image = buildTestImage({ note: 'dockerv2' });
      const ref = parseReference(`${reg.host}/tollgate/docker:v2`);
      for (const b of [image.config, ...image.layers]) await client.pushBlob(ref, b.bytes);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: image.config.digest, size: image.config.size },
          layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: image.layers[0]!.digest, size: image.layers[0]!.size }],
        }),
      );
      await client.putManifest(ref, 'v2', manifest, 'application/vnd.docker.distribution.manifest.v2+json');
      const got = await client.getManifest(ref);
      assert.equal(got.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.equal(got.digest, sha256Digest(manifest));
    });

    test('missing manifests and blobs map to typed errors', async () => {
      const ref = parseReference(`${reg.host}/${repo}:nope`);
      await assert.rejects(client.getManifest(ref), (e: unknown) => e instanceof RegistryError && e.code === 'MANIFEST_UNKNOWN');
      await assert.rejects(
        client.getBlob(ref, `sha256:${'1'.repeat(64)}`),
        (e: unknown) => e instanceof RegistryError && (e.code === 'BLOB_UNKNOWN' || e.code === 'NOT_FOUND'),
      );
    });

    test('deletes a manifest by digest; tags pointing at it go away', async () => {
      const image = buildTestImage({ note: 'deleteme' });
      const ref = parseReference(`${reg.host}/tollgate/deleted:gone`);
      const digest = await pushImage(client, ref.toString(), image, 'gone');
      assert.deepEqual(await client.listTags(ref), ['gone']);
      await client.deleteManifest(ref, digest);
      assert.equal(await client.headManifest(ref, digest), undefined);
      // distribution 2.8 answers `"tags": null` for an emptied repository.
      assert.deepEqual(await client.listTags(ref), []);
    });

    if (auth === 'token') {
      test('reuses one token for many requests of the same scope', async () => {
        const tokenServer = reg.tokenServer!;
        const fresh = new RegistryClient({ caFile: reg.caFile, credentials: { username: 'alice', password: 's3cret' }, dockerConfigDir: reg.dir });
        try {
          const before = tokenServer.issued;
          const ref = parseReference(`${reg.host}/${repo}:v1`);
          for (let i = 0; i < 10; i++) {
            await fresh.getManifest(ref);
            await fresh.headManifest(ref);
            await fresh.listTags(ref);
          }
          const image = buildTestImage();
          await Promise.all(Array.from({ length: 8 }, () => fresh.getBlobBytes(ref, image.config.digest, 65536)));
          assert.equal(tokenServer.issued - before, 1);
          assert.equal(fresh.tokensFetched, 1);
        } finally {
          await fresh.close();
        }
      });
    }
  });
}
