/**
 * Digest verification against a real registry whose storage was tampered with on disk: distribution 2.8 serves
 * whatever bytes are in `docker/registry/v2/blobs/sha256/xx/<hex>/data`, so the client must catch the mismatch.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { ImageError } from '../../src/core/index.js';
import { parseReference } from '../../src/oci/reference.js';
import { RegistryClient } from '../../src/oci/registry/index.js';
import { buildTestImage, startRegistry, type TestImage, type TestRegistry } from '../support/registry.js';

/** Same length, different bytes: the registry's size bookkeeping stays consistent, only the content lies. */
async function corrupt(file: string, from: string, to: string): Promise<void> {
  const bytes = await readFile(file);
  const text = bytes.toString('latin1');
  assert.ok(text.includes(from), `${file} should contain ${from}`);
  await writeFile(file, Buffer.from(text.replace(from, to), 'latin1'));
}

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
}

function isImageError(code: ImageError['code']) {
  return (e: unknown) => e instanceof ImageError && e.code === code;
}

describe('corrupted registry storage', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let image: TestImage;
  const refText = () => `${reg.host}/tollgate/corrupt:v1`;

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    client = new RegistryClient({ dockerConfigDir: reg.dir, retries: 0 });
    image = buildTestImage({ note: 'original' });
    const ref = parseReference(refText());
    for (const b of [image.config, ...image.layers]) await client.pushBlob(ref, b.bytes);
    await client.putManifest(ref, 'v1', image.manifest.bytes, image.manifest.mediaType);
    // Sanity: before tampering everything verifies.
    assert.equal((await client.getManifest(ref)).digest, image.manifest.digest);
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
  });

  test('a corrupted layer makes the blob stream error with DIGEST_MISMATCH at the end', async () => {
    const layer = image.layers[0]!;
    await flipByte(reg.blobPath(layer.digest), layer.size - 5);
    const stream = await client.getBlob(parseReference(refText()), layer.digest, { expectedSize: layer.size });
    let bytes = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) bytes += (chunk as Buffer).length;
      })(),
      isImageError('DIGEST_MISMATCH'),
    );
    assert.ok(bytes <= layer.size);
  });

  test('a corrupted config fails getBlobBytes', async () => {
    await corrupt(reg.blobPath(image.config.digest), '"amd64"', '"arm64"');
    await assert.rejects(client.getBlobBytes(parseReference(refText()), image.config.digest, 65536), isImageError('DIGEST_MISMATCH'));
  });

  test('a corrupted manifest fails by tag (header digest disagrees) and by digest', async () => {
    await corrupt(reg.blobPath(image.manifest.digest), '"original"', '"tampered"');
    const ref = parseReference(refText());
    await assert.rejects(client.getManifest(ref, 'v1'), isImageError('DIGEST_MISMATCH'));
    await assert.rejects(client.getManifest(ref, image.manifest.digest), isImageError('DIGEST_MISMATCH'));
  });

  test('a declared size that differs from what the registry serves is SIZE_MISMATCH', async () => {
    const fresh = buildTestImage({ note: 'sizetest', files: { 'other.txt': 'other content\n' } });
    const ref = parseReference(refText());
    await client.pushBlob(ref, fresh.layers[0]!.bytes);
    await assert.rejects(client.getBlob(ref, fresh.layers[0]!.digest, { expectedSize: fresh.layers[0]!.size + 1 }), isImageError('SIZE_MISMATCH'));
  });
});
