/**
 * Retries, Retry-After, connection resets, truncated bodies and cross-origin redirects.
 *
 * A real registry cannot be asked to fail on cue, so a small HTTP proxy sits in front of it and injects faults
 * (a 503, a reset, a 307 to "blob storage") for chosen requests; everything else is passed through unchanged to
 * the real distribution 2.8 registry. The fake exists ONLY to inject faults.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { RegistryError, type TollgateEvent } from '../../src/core/index.js';
import { parseReference } from '../../src/oci/reference.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/index.js';
import { buildTestImage, sha256Digest, startRegistry, type TestImage, type TestRegistry } from '../support/registry.js';

type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'truncate' }
  | { kind: 'redirect'; location: string };

interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

interface FaultProxy {
  host: string;
  seen: SeenRequest[];
  /** Returns a fault for a request, or undefined to pass it through. */
  fault: (req: SeenRequest, nth: number) => Fault | undefined;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function startFaultProxy(upstream: TestRegistry): Promise<FaultProxy> {
  const ca = upstream.caFile ? await readFile(upstream.caFile) : undefined;
  const counts = new Map<string, number>();
  const proxy: FaultProxy = {
    host: '',
    seen: [],
    fault: () => undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization };
    proxy.seen.push(seen);
    const key = `${seen.method} ${seen.path.split('?')[0]}`;
    const nth = (counts.get(key) ?? 0) + 1;
    counts.set(key, nth);
    const fault = proxy.fault(seen, nth);
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers ?? {}) });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }));
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'redirect') {
      req.resume();
      res.writeHead(307, { location: fault.location });
      res.end();
      return;
    }
    const mod = upstream.url.startsWith('https:') ? https : http;
    const headers = { ...req.headers, host: upstream.host };
    const up = mod.request(`${upstream.url}${req.url}`, { method: req.method, headers, ...(ca ? { ca } : {}) }, (upRes) => {
      // Rewrite absolute upload locations so the client keeps talking to the proxy.
      const outHeaders = { ...upRes.headers };
      if (typeof outHeaders.location === 'string') outHeaders.location = outHeaders.location.replace(upstream.url, `http://${proxy.host}`);
      res.writeHead(upRes.statusCode ?? 502, outHeaders);
      if (fault?.kind === 'truncate') {
        // Send about half the body (headers first), then drop the connection.
        const half = Math.floor(Number(upRes.headers['content-length'] ?? 0) / 2);
        const chunks: Buffer[] = [];
        upRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upRes.on('end', () => {
          res.flushHeaders();
          res.write(Buffer.concat(chunks).subarray(0, half), () => setTimeout(() => res.socket?.destroy(), 20));
        });
        return;
      }
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  proxy.host = `127.0.0.1:${await listen(server)}`;
  return proxy;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('retries through a fault-injecting proxy (anonymous registry)', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let image: TestImage;
  const clients: RegistryClient[] = [];
  const events: TollgateEvent[] = [];
  const make = (o: Partial<RegistryClientOptions> = {}) => {
    const c = new RegistryClient({ dockerConfigDir: reg.dir, retryBaseMs: 5, events: (e) => events.push(e), ...o });
    clients.push(c);
    return c;
  };
  const ref = () => parseReference(`${proxy.host}/tollgate/retry:v1`);

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    proxy = await startFaultProxy(reg);
    image = buildTestImage({ note: 'retries!' });
    const direct = make();
    const r = parseReference(`${reg.host}/tollgate/retry:v1`);
    for (const b of [image.config, ...image.layers]) await direct.pushBlob(r, b.bytes);
    await direct.putManifest(r, 'v1', image.manifest.bytes, image.manifest.mediaType);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.close();
    await reg?.stop();
  });

  test('503 with Retry-After (seconds, then an HTTP date) is retried and honoured', async () => {
    events.length = 0;
    const past = new Date(Date.now() - 60_000).toUTCString();
    proxy.fault = (req, nth) => {
      if (req.method !== 'GET' || !req.path.includes('/manifests/v1')) return undefined;
      if (nth === 1) return { kind: 'status', status: 503, headers: { 'retry-after': '1' } };
      if (nth === 2) return { kind: 'status', status: 503, headers: { 'retry-after': past } };
      return undefined;
    };
    const got = await make().getManifest(ref());
    assert.equal(got.digest, image.manifest.digest);
    const retries = events.filter((e) => e.type === 'http-retry');
    assert.deepEqual(
      retries.map((e) => e.type === 'http-retry' && [e.attempt, e.delayMs, e.reason]),
      [
        [1, 1000, 'HTTP 503'],
        [2, 0, 'HTTP 503'],
      ],
    );
    assert.equal(proxy.seen.filter((s) => s.method === 'GET' && s.path.includes('/manifests/v1')).length, 3);
  });

  test('429 without Retry-After uses bounded exponential backoff', async () => {
    events.length = 0;
    proxy.fault = (req, nth) => (req.path.includes('/tags/list') && nth <= 2 ? { kind: 'status', status: 429 } : undefined);
    assert.deepEqual(await make().listTags(ref()), ['v1']);
    const delays = events.flatMap((e) => (e.type === 'http-retry' ? [e.delayMs] : []));
    assert.equal(delays.length, 2);
    // Equal jitter: attempt n waits between half and all of base·2^(n-1).
    assert.ok(delays[0]! >= 2 && delays[0]! <= 5, String(delays[0]));
    assert.ok(delays[1]! >= 5 && delays[1]! <= 10, String(delays[1]));
  });

  test('attempts are bounded: a registry that keeps failing yields SERVER_ERROR', async () => {
    proxy.fault = (req) => (req.path.includes('/manifests/v1') ? { kind: 'status', status: 503 } : undefined);
    const before = proxy.seen.length;
    await assert.rejects(make({ retries: 2 }).getManifest(ref()), (e: unknown) => e instanceof RegistryError && e.code === 'SERVER_ERROR');
    assert.equal(proxy.seen.slice(before).filter((s) => s.path.includes('/manifests/v1')).length, 3);
  });

  test('a connection reset is retried', async () => {
    events.length = 0;
    const layer = image.layers[0]!;
    proxy.fault = (req, nth) => (req.path.includes(`/blobs/${layer.digest}`) && nth === 1 ? { kind: 'reset' } : undefined);
    const bytes = await readAll(await make().getBlob(ref(), layer.digest, { expectedSize: layer.size }));
    assert.equal(sha256Digest(bytes), layer.digest);
    const reasons = events.flatMap((e) => (e.type === 'http-retry' ? [e.reason] : []));
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!, /ECONNRESET|UND_ERR_SOCKET/);
  });

  test('a body cut off mid-stream makes the blob stream error (never a silent short read)', async () => {
    const layer = image.layers[0]!;
    proxy.fault = (req) => (req.path.includes(`/blobs/${layer.digest}`) ? { kind: 'truncate' } : undefined);
    const stream = await make().getBlob(ref(), layer.digest);
    await assert.rejects(readAll(stream), (e: unknown) => e instanceof RegistryError && e.code === 'NETWORK');
  });

  test('a one-shot upload stream is not retried', async () => {
    const bytes = Buffer.from(`one shot ${Date.now()}`);
    proxy.fault = (req) => (req.method === 'PUT' && req.path.includes('/blobs/uploads/') ? { kind: 'status', status: 503 } : undefined);
    const before = proxy.seen.length;
    await assert.rejects(
      make().pushBlob(ref(), { stream: Readable.from([bytes]), digest: sha256Digest(bytes), size: bytes.length }),
      (e: unknown) => e instanceof RegistryError && e.code === 'SERVER_ERROR',
    );
    assert.equal(proxy.seen.slice(before).filter((s) => s.method === 'PUT').length, 1);
  });

  test('an upload whose POST fails with 502 is retried', async () => {
    const bytes = Buffer.from(`buffer upload ${Date.now()}`);
    let failed = false;
    proxy.fault = (req) => {
      if (!failed && req.method === 'POST' && req.path.includes('/blobs/uploads/')) {
        failed = true;
        return { kind: 'status', status: 502 };
      }
      return undefined;
    };
    const result = await make().pushBlob(ref(), bytes);
    assert.equal(result.digest, sha256Digest(bytes));
    assert.equal(failed, true);
    assert.equal(await make().blobExists(parseReference(`${reg.host}/tollgate/retry:v1`), result.digest), true);
  });
});

describe('redirects to blob storage (basic auth registry behind the proxy)', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let storage: http.Server;
  let storageSeen: { authorization: string | undefined; path: string }[];
  let client: RegistryClient;
  let image: TestImage;

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    proxy = await startFaultProxy(reg);
    image = buildTestImage({ note: 'redirect' });
    const direct = new RegistryClient({ caFile: reg.caFile, credentials: { username: 'alice', password: 's3cret' }, dockerConfigDir: reg.dir });
    const r = parseReference(`${reg.host}/tollgate/redirect:v1`);
    for (const b of [image.config, ...image.layers]) await direct.pushBlob(r, b.bytes);
    await direct.close();
    storageSeen = [];
    const layer = image.layers[0]!;
    // "Blob storage" on another origin (another port), serving the real layer bytes.
    storage = http.createServer((req, res) => {
      storageSeen.push({ authorization: req.headers.authorization, path: req.url ?? '' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(layer.size) });
      res.end(layer.bytes);
    });
    const storagePort = await listen(storage);
    proxy.fault = (req) =>
      req.method === 'GET' && req.path.includes(`/blobs/${layer.digest}`) && req.authorization
        ? { kind: 'redirect', location: `http://127.0.0.1:${storagePort}/bucket/${layer.digest.slice(7)}?X-Signature=abc` }
        : undefined;
    client = new RegistryClient({ credentials: { username: 'alice', password: 's3cret' }, dockerConfigDir: reg.dir });
  });
  after(async () => {
    await client?.close();
    storage?.closeAllConnections();
    await new Promise<void>((resolve) => (storage ? storage.close(() => resolve()) : resolve()));
    await proxy?.close();
    await reg?.stop();
  });

  test('follows the 307 and does not forward Authorization to the other origin', async () => {
    const layer = image.layers[0]!;
    const bytes = await readAll(await client.getBlob(parseReference(`${proxy.host}/tollgate/redirect:v1`), layer.digest, { expectedSize: layer.size }));
    assert.equal(sha256Digest(bytes), layer.digest);
    const toRegistry = proxy.seen.filter((s) => s.path.includes(`/blobs/${layer.digest}`));
    assert.ok(toRegistry.some((s) => s.authorization?.startsWith('Basic ')), 'the registry request carried credentials');
    assert.equal(storageSeen.length, 1);
    assert.equal(storageSeen[0]!.authorization, undefined);
    assert.match(storageSeen[0]!.path, /X-Signature=abc/);
  });
});
