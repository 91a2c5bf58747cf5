/**
 * The public-good trusted root from @sigstore/tuf: its embedded seed (offline), the TUF update against a local
 * server that is no TUF repository, the atomic write, and loadTrustedRoot's fallback to the seed. Expected values
 * come from interop/trusted-roots (sigstore-go's copies of the public-good trusted_root.json and TUF root.json),
 * never from the code under test; nothing here touches the network.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignError } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { legacyBundle } from './legacy-bundle.js';
import { loadTrustedRoot, TRUSTED_ROOT_ENV } from './trusted-root-source.js';
import { readEmbeddedSeed, summarizeTrustedRoot, updateTrustedRoot, writeFileAtomic } from './tuf-trusted-root.js';
import { KeylessVerifier } from './verify-keyless.js';

const PUBLIC_GOOD_FILE = shared('interop', 'trusted-roots', 'sigstore-public-good.json');
const PUBLIC_GOOD = JSON.parse(readFileSync(PUBLIC_GOOD_FILE, 'utf8')) as { certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[] };
/** The Fulcio root of the current CA: the last (self-signed) certificate of the chain whose validity has no end. */
const FULCIO_ROOT_DER = Buffer.from(PUBLIC_GOOD.certificateAuthorities.at(-1)!.certChain.certificates.at(-1)!.rawBytes, 'base64');
const TUF_ROOT_PRODUCTION = readFileSync(shared('interop', 'trusted-roots', 'tuf-root-production.json'));

function caCertificates(json: Buffer): Buffer[] {
  const root = JSON.parse(json.toString('utf8')) as typeof PUBLIC_GOOD;
  return root.certificateAuthorities.flatMap((ca) => ca.certChain.certificates.map((c) => Buffer.from(c.rawBytes, 'base64')));
}

async function tmpDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'tollgate-tuf-'));
}

describe('the seed embedded in @sigstore/tuf', () => {
  test('its trusted_root.json holds the public-good Fulcio root, and its TUF root is the production root v14', async () => {
    const seed = await readEmbeddedSeed();
    assert.match(seed.source, /^embedded seed of @sigstore\/tuf \d+\.\d+\.\d+$/);
    const fulcio = new X509Certificate(FULCIO_ROOT_DER);
    assert.equal(fulcio.subject, 'O=sigstore.dev\nCN=sigstore');
    assert.ok(caCertificates(seed.trustedRoot).some((c) => c.equals(FULCIO_ROOT_DER)), 'the public-good Fulcio root is among the CA certificates');
    // sigstore-go embeds the same TUF root (pkg/tuf/repository/root.json): compare the JSON documents.
    assert.deepEqual(JSON.parse(seed.tufRoot.toString('utf8')), JSON.parse(TUF_ROOT_PRODUCTION.toString('utf8')));
    assert.equal((JSON.parse(seed.tufRoot.toString('utf8')) as { signed: { version: number } }).signed.version, 14);
  });

  test('a seeds.json that cannot be read or has no public-good seed: TRUSTED_ROOT_MISSING naming the file', async () => {
    const dir = await tmpDir();
    try {
      await assert.rejects(readEmbeddedSeed(path.join(dir, 'missing.json')), (e) => e instanceof SignError && e.code === 'TRUSTED_ROOT_MISSING' && e.message.includes('missing.json'));
      await writeFile(path.join(dir, 'other.json'), JSON.stringify({ 'https://example.org': { 'root.json': 'e30=', targets: {} } }));
      await assert.rejects(readEmbeddedSeed(path.join(dir, 'other.json')), /no trusted_root\.json and root\.json for https:\/\/tuf-repo-cdn\.sigstore\.dev/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('updateTrustedRoot', () => {
  test('--offline writes the seed to <cache>/sigstore/trusted_root.json, replacing the old file, leaving no temporary file', async () => {
    const dir = await tmpDir();
    try {
      const target = path.join(dir, 'sigstore', 'trusted_root.json');
      await mkdir(path.dirname(target));
      await writeFile(target, '{"old": true}');
      const r = await updateTrustedRoot({ cacheDir: dir, offline: true });
      assert.equal(r.file, target);
      const written = await readFile(target);
      assert.ok(caCertificates(written).some((c) => c.equals(FULCIO_ROOT_DER)));
      assert.deepEqual(await readdir(path.dirname(target)), ['trusted_root.json']);
      // The summary, against the seed's JSON read by hand: two Fulcio CAs (2021-03-07..2022-12-31, then open-ended).
      const s = summarizeTrustedRoot(r.root);
      assert.deepEqual(
        s.certificateAuthorities.map((ca) => [ca.uri, ca.subject, ca.validFrom, ca.validTo]),
        [
          ['https://fulcio.sigstore.dev', 'O=sigstore.dev, CN=sigstore', '2021-03-07T03:20:29.000Z', '2022-12-31T23:59:59.999Z'],
          ['https://fulcio.sigstore.dev', 'O=sigstore.dev, CN=sigstore', '2022-04-13T20:06:15.000Z', undefined],
        ],
      );
      const json = JSON.parse(written.toString('utf8')) as { tlogs: unknown[]; ctlogs: unknown[]; timestampAuthorities: unknown[] };
      assert.deepEqual([s.tlogs, s.ctlogs, s.timestampAuthorities], [json.tlogs.length, json.ctlogs.length, json.timestampAuthorities.length]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('against a local server that is no TUF repository', () => {
    let server: http.Server;
    let base: string;
    const seen: string[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        seen.push(req.url ?? '');
        if (req.url?.startsWith('/garbage/')) {
          res.setHeader('content-type', 'application/json');
          res.end('{"signed": garbage');
        } else {
          res.statusCode = 404;
          res.end('not found');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    for (const [what, sub, reason] of [
      ['404 for everything', '/notfound', /HTTP 404/],
      ['a 200 answer that is not JSON', '/garbage', /not valid JSON|JSON/],
    ] as const) {
      test(`${what}: TRUSTED_ROOT_MISSING naming the mirror, cached root untouched`, async () => {
        const dir = await tmpDir();
        try {
          const target = path.join(dir, 'sigstore', 'trusted_root.json');
          await mkdir(path.dirname(target));
          await writeFile(target, readFileSync(PUBLIC_GOOD_FILE));
          await assert.rejects(updateTrustedRoot({ cacheDir: dir, mirror: `${base}${sub}`, retries: 0, timeoutMs: 2000 }), (e) => {
            assert.ok(e instanceof SignError, String(e));
            assert.equal(e.code, 'TRUSTED_ROOT_MISSING');
            assert.ok(e.message.includes(`${base}${sub}`), e.message);
            assert.match(e.message, reason);
            return true;
          });
          assert.deepEqual(await readFile(target), readFileSync(PUBLIC_GOOD_FILE));
          // The TUF client asked for the next root version first (TUF spec 5.3.3), starting from the seed's v14.
          assert.ok(seen.includes(`${sub}/15.root.json`), seen.join(' '));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    }
  });
});

describe('writeFileAtomic', () => {
  test('a failed rename (a directory is in the way) leaves it as it was and no temporary file', async () => {
    const dir = await tmpDir();
    try {
      const target = path.join(dir, 'trusted_root.json');
      await mkdir(target);
      await writeFile(path.join(target, 'keep'), 'x');
      await assert.rejects(writeFileAtomic(target, Buffer.from('{}')), (e) => e instanceof SignError && e.message.includes(target));
      assert.deepEqual(await readdir(dir), ['trusted_root.json']);
      assert.deepEqual(await readdir(target), ['keep']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadTrustedRoot falls back to the embedded seed', () => {
  const sigDir = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
  const annotations = (
    JSON.parse(readFileSync(path.join(sigDir, 'manifests', 'sha256-31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee.sig.json'), 'utf8')) as {
      layers: { annotations: Record<string, string> }[];
    }
  ).layers[0]!.annotations;
  const payload = readFileSync(path.join(sigDir, 'blobs', 'sha256_897d9e862b4599b723442f36ed7b4cfd1628bb7656643c56855988cac161d065.json'));

  test('nothing given or cached: the seed, cached for next time, with a notice naming it and `trusted-root update`', async () => {
    const dir = await tmpDir();
    try {
      const loaded = await loadTrustedRoot({ cacheDir: dir, env: {} });
      assert.equal(loaded.source, 'embedded-seed');
      assert.equal(loaded.id, 'public-good');
      assert.match(loaded.notice ?? '', /embedded seed of @sigstore\/tuf \d/);
      assert.match(loaded.notice ?? '', /tollgate trusted-root update/);
      const cached = path.join(dir, 'sigstore', 'trusted_root.json');
      assert.equal(loaded.file, cached);
      assert.ok(caCertificates(await readFile(cached)).some((c) => c.equals(FULCIO_ROOT_DER)));

      // The real keyless signature (Connaisseur's capture, philipp.belitz@securesystems.de) verifies with it.
      const lb = legacyBundle(annotations, { kind: 'message', payload, signature: Buffer.from(annotations['dev.cosignproject.cosign/signature']!, 'base64') });
      assert.ok(lb.ok);
      if (!lb.ok) return;
      const v = new KeylessVerifier({ identity: { subject: 'philipp.belitz@securesystems.de', issuer: 'https://github.com/login/oauth' }, trustedRoot: loaded.root }, () => {});
      const r = v.verify(lb.bundle, { kind: 'bytes', bytes: payload }, 'layer 0');
      assert.ok(r.ok, JSON.stringify(r));

      // Next time it is the cache, still recognised as the seed.
      const again = await loadTrustedRoot({ cacheDir: dir, env: {} });
      assert.equal(again.source, 'cache');
      assert.match(again.notice ?? '', /which is the embedded seed of @sigstore\/tuf/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a cached root that is not the seed: no notice; a flag or $TOLLGATE_TRUSTED_ROOT wins over both', async () => {
    const dir = await tmpDir();
    try {
      await mkdir(path.join(dir, 'sigstore'));
      await writeFile(path.join(dir, 'sigstore', 'trusted_root.json'), readFileSync(PUBLIC_GOOD_FILE));
      const cached = await loadTrustedRoot({ cacheDir: dir, env: {} });
      assert.equal(cached.source, 'cache');
      assert.equal(cached.notice, undefined);
      assert.equal((await loadTrustedRoot({ cacheDir: dir, env: { [TRUSTED_ROOT_ENV]: PUBLIC_GOOD_FILE } })).source, 'env');
      assert.equal((await loadTrustedRoot({ file: PUBLIC_GOOD_FILE, cacheDir: dir, env: {} })).source, 'file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a cache that cannot be written (sigstore/ is a file): the seed from memory, and the notice says it is not cached', async () => {
    const dir = await tmpDir();
    try {
      await writeFile(path.join(dir, 'sigstore'), 'not a directory');
      const loaded = await loadTrustedRoot({ cacheDir: dir, env: {} });
      assert.equal(loaded.source, 'embedded-seed');
      assert.equal(loaded.file, undefined);
      assert.match(loaded.notice ?? '', /not cached: /);
      assert.ok(loaded.root.certificateAuthorities.length > 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('fails closed: an unreadable seed (TRUSTED_ROOT_MISSING naming --trusted-root), a corrupt cached root (TRUSTED_ROOT_INVALID, no fallback)', async () => {
    const dir = await tmpDir();
    try {
      await assert.rejects(loadTrustedRoot({ cacheDir: dir, env: {}, seedsFile: path.join(dir, 'no-seeds.json') }), (e) => {
        assert.ok(e instanceof SignError);
        assert.equal(e.code, 'TRUSTED_ROOT_MISSING');
        assert.match(e.message, /--trusted-root/);
        assert.match(e.message, /no-seeds\.json/);
        return true;
      });
      await assert.rejects(readdir(path.join(dir, 'sigstore')), { code: 'ENOENT' });
      await mkdir(path.join(dir, 'sigstore'));
      await writeFile(path.join(dir, 'sigstore', 'trusted_root.json'), '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": {}}');
      await assert.rejects(loadTrustedRoot({ cacheDir: dir, env: {} }), (e) => e instanceof SignError && e.code === 'TRUSTED_ROOT_INVALID');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
