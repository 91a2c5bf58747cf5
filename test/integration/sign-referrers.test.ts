/**
 * OCI 1.1 referrers: RegistryClient.getReferrersIndex against a real distribution 2.8 (no referrers API: 404, so the
 * `sha256-<hex>` tag is used) and against a small HTTP server that implements the API (distribution-spec
 * "Listing Referrers"), and the choice signing makes between the API and the fallback tag.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RegistryError } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { RegistrySource, type SignRegistry } from '../../src/sign/artifact-source.js';
import { registerReferrer } from '../../src/sign/attach.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('referrers API and fallback tag', () => {
  let reg: TestRegistry;
  let tmp: string;
  let client: RegistryClient;
  let server: http.Server;
  let apiHost: string;
  const seen: { url: string; accept?: string }[] = [];
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('r'), size: 1, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }],
    }),
  );

  before(async () => {
    reg = await startRegistry({ auth: 'token' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-referrers-'));
    client = new RegistryClient({ credentials: { username: reg.username!, password: reg.password! }, caFile: reg.caFile!, dockerConfigDir: tmp });
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', ...(req.headers.accept ? { accept: req.headers.accept } : {}) });
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      const m = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})(\?.*)?$/.exec(req.url ?? '');
      if (m?.[1] === 'api/app') return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(index);
      if (m?.[1] === 'api/not-acceptable') return void res.writeHead(406).end();
      if (m?.[1] === 'api/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
      if (m?.[1] === 'api/broken') return void res.writeHead(500).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    apiHost = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    await new Promise<void>((r) => server.close(() => r()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('distribution 2.8 has no referrers API: undefined, and the fallback tag is what lists referrers', async () => {
    const img = buildImage([await buildLayer(await makeTar([{ path: 'r', content: 'ref\n' }]))]);
    await pushImage(client, `${reg.host}/ref/app:1`, { image: img });
    const ref = parseReference(`${reg.host}/ref/app`);
    assert.equal(await client.getReferrersIndex(ref, img.manifestDigest), undefined);
    const source = new RegistrySource(client, ref);
    assert.deepEqual(await source.referrers(img.manifestDigest), []);
    // distribution 2.8 refuses an index listing a manifest it does not have (INFRA.md): list one that exists.
    const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, artifactType: 'a/b' };
    await registerReferrer(source, img.manifestDigest, desc);
    const listed = await source.referrers(img.manifestDigest);
    assert.deepEqual(listed.map((d) => [d.digest, d.artifactType]), [[img.manifestDigest, 'a/b']]);
    const tag = await client.getManifest(ref, `sha256-${img.manifestDigest.slice(7)}`);
    assert.equal(tag.mediaType, 'application/vnd.oci.image.index.v1+json');
  });

  test('a registry with the API: its index is used, with the OCI index Accept header and the artifactType filter', async () => {
    const d = sha('subject');
    const got = await client.getReferrersIndex(parseReference(`${apiHost}/api/app`), d, { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
    assert.deepEqual(got, index);
    const req = seen.find((s) => s.url.startsWith('/v2/api/app/referrers/'))!;
    assert.equal(req.url, `/v2/api/app/referrers/${d}?artifactType=application%2Fvnd.dev.sigstore.bundle.v0.3%2Bjson`);
    assert.equal(req.accept, 'application/vnd.oci.image.index.v1+json');
    assert.equal(await client.getReferrersIndex(parseReference(`${apiHost}/api/missing`), d), undefined);
    assert.equal(await client.getReferrersIndex(parseReference(`${apiHost}/api/not-acceptable`), d), undefined);
    assert.equal(await client.getReferrersIndex(parseReference(`${apiHost}/api/html`), d), undefined);
    await assert.rejects(
      new RegistryClient({ retries: 0, dockerConfigDir: tmp }).getReferrersIndex(parseReference(`${apiHost}/api/broken`), d),
      (e: unknown) => e instanceof RegistryError && e.code === 'SERVER_ERROR',
    );
  });

  test('signing writes the fallback tag only when the registry has no API', async () => {
    const puts: string[] = [];
    const stub = (api: Buffer | undefined): SignRegistry =>
      ({
        getReferrersIndex: async () => api,
        getManifest: async () => {
          throw new RegistryError('MANIFEST_UNKNOWN', 'none');
        },
        putManifest: async (_ref: unknown, tag: string) => {
          puts.push(tag);
          return sha(tag);
        },
      }) as unknown as SignRegistry;
    const subject = sha('s');
    const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('m'), size: 1, artifactType: 'a/b' };
    await registerReferrer(new RegistrySource(stub(index), parseReference('example.com/x')), subject, desc);
    assert.deepEqual(puts, []);
    await registerReferrer(new RegistrySource(stub(undefined), parseReference('example.com/x')), subject, desc);
    assert.deepEqual(puts, [`sha256-${subject.slice(7)}`]);
  });
});
