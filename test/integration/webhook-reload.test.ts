/**
 * The running webhook re-reads its serving certificate and its policies when their files change (the certificate
 * actually served is read off the TLS handshake), refuses a half-written certificate and an invalid policy while
 * staying ready, drains requests in flight on shutdown, and `webhook certs` makes a CA and serving certificate that
 * openssl verifies and that a client checking the Service name accepts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { copyFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { FactProvider, FactRequest, ImageFacts } from '../../src/core/index.js';
import { runWebhookCerts, runWebhookServe } from '../../src/cli/commands/webhook.js';
import { createWebhookCerts, PolicyStore, WebhookServer, writeWebhookCerts } from '../../src/server/index.js';
import { makeTestCerts } from '../support/certs.js';

const run = promisify(execFile);

const NO_LATEST = `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: refs}
spec:
  images: ["**"]
  mutateDigest: false
  references: {forbidLatest: true}
`;
const HUB_ONLY = NO_LATEST.replace('references: {forbidLatest: true}', 'references: {allowedRegistries: [index.docker.io]}');

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256 ?? '';
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

const fingerprintOf = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function review(image: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'apps', object: { kind: 'Pod', spec: { containers: [{ name: 'a', image }] } } },
  });
}

function call(port: number, ca: Buffer | undefined, method: string, pathName: string, body?: string, servername?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: pathName, method, ...(ca ? { ca } : { rejectUnauthorized: false }), ...(servername ? { servername } : {}), headers: { 'content-type': 'application/json' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const allowedOf = (text: string) => (JSON.parse(text) as { response: { allowed: boolean } }).response.allowed;

const quiet = () => undefined;
const noFacts: FactProvider = {
  gather: async (r: FactRequest): Promise<ImageFacts> => ({ ref: r.ref, signatures: [], attestations: [], errors: [] }),
};

describe('webhook: certificate and policy reload', () => {
  let dir: string;
  let server: WebhookServer;
  let live: { cert: string; key: string };
  let a: { tlsCert: string; tlsKey: string };
  let b: { tlsCert: string; tlsKey: string };
  let policyFile: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-reload-'));
    a = await makeTestCerts(path.join(dir, 'a'));
    b = await makeTestCerts(path.join(dir, 'b'));
    live = { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') };
    await copyFile(a.tlsCert, live.cert);
    await copyFile(a.tlsKey, live.key);
    policyFile = path.join(dir, 'policies', 'policy.yaml');
    await (await import('node:fs/promises')).mkdir(path.dirname(policyFile));
    await writeFile(policyFile, NO_LATEST);
    server = new WebhookServer({ policies: new PolicyStore(path.dirname(policyFile)), tlsCertFile: live.cert, tlsKeyFile: live.key, facts: noFacts, port: 0, host: '127.0.0.1', reloadIntervalMs: 200, log: quiet });
    await server.start();
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Replace a file the way kubelet and cert-manager do: write beside it, rename over it.
  async function replace(target: string, from: string): Promise<void> {
    await copyFile(from, `${target}.tmp`);
    await rename(`${target}.tmp`, target);
  }

  test('a new certificate is served to new connections; a certificate without its key is refused meanwhile', async () => {
    assert.notEqual(fingerprintOf(a.tlsCert), fingerprintOf(b.tlsCert));
    assert.equal(await servedFingerprint(server.port), fingerprintOf(a.tlsCert));
    await replace(live.cert, b.tlsCert);
    // New certificate, old key: they do not match, the old pair stays in service.
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(await servedFingerprint(server.port), fingerprintOf(a.tlsCert));
    const m1 = (await call(server.port, undefined, 'GET', '/metrics')).text;
    assert.match(m1, /tollgate_tls_reloads_total\{result="failure"\} [1-9]/);
    await replace(live.key, b.tlsKey);
    await until('served certificate', () => servedFingerprint(server.port), (fp) => fp === fingerprintOf(b.tlsCert));
    // And requests are answered with it, verified against B as the CA.
    const r = await call(server.port, readFileSync(b.tlsCert), 'GET', '/healthz');
    assert.equal(r.status, 200);
  });

  test('policies are reloaded; an invalid new policy is refused, the old one stays and /readyz stays ok', async () => {
    const ca = readFileSync(b.tlsCert);
    assert.equal(allowedOf((await call(server.port, ca, 'POST', '/validate', review('nginx:latest'))).text), false);
    await writeFile(`${policyFile}.tmp`, HUB_ONLY);
    await rename(`${policyFile}.tmp`, policyFile);
    await until('decision after reload', async () => allowedOf((await call(server.port, ca, 'POST', '/validate', review('nginx:latest'))).text), (v) => v === true);
    assert.equal(allowedOf((await call(server.port, ca, 'POST', '/validate', review('ghcr.io/acme/app:1'))).text), false);

    await writeFile(`${policyFile}.tmp`, 'apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: refs}\nspec:\n  images: 42\n');
    await rename(`${policyFile}.tmp`, policyFile);
    await until('failed reload counted', async () => (await call(server.port, ca, 'GET', '/metrics')).text, (t) => /tollgate_policy_reloads_total\{result="failure"\} [1-9]/.test(t));
    assert.equal(allowedOf((await call(server.port, ca, 'POST', '/validate', review('nginx:latest'))).text), true, 'the previous policies stay in force');
    assert.equal((await call(server.port, ca, 'GET', '/readyz')).status, 200);
  });
});

describe('webhook: graceful shutdown', () => {
  test('requests in flight are answered; then the port is closed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-drain-'));
    try {
      const certs = await makeTestCerts(dir);
      const policy = path.join(dir, 'p.yaml');
      const key = (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await writeFile(policy, `apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: signed}\nspec:\n  images: ["**"]\n  authorities:\n    - key:\n        data: |\n${key.trim().split('\n').map((l) => `          ${l}`).join('\n')}\n`);
      let started!: () => void;
      const gathering = new Promise<void>((r) => (started = r));
      const slow: FactProvider = {
        gather: async (r) => {
          started();
          await new Promise((res) => setTimeout(res, 400));
          return { ref: r.ref, resolvedDigest: `sha256:${'a'.repeat(64)}`, signatures: [], attestations: [], errors: [] };
        },
      };
      const server = new WebhookServer({ policies: new PolicyStore(policy), tlsCertFile: certs.tlsCert, tlsKeyFile: certs.tlsKey, facts: slow, port: 0, host: '127.0.0.1', log: quiet });
      await server.start();
      const port = server.port;
      const pending = call(port, readFileSync(certs.tlsCert), 'POST', '/validate', review('example.com/app:1'));
      await gathering;
      const closing = server.close();
      assert.equal(server.ready, false);
      const r = await pending;
      assert.equal(r.status, 200);
      assert.equal(allowedOf(r.text), false);
      await closing;
      await assert.rejects(call(port, undefined, 'GET', '/healthz'), /ECONNREFUSED/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('`tollgate webhook serve` runs until SIGTERM and exits 0', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-cli-'));
    try {
      const certs = await makeTestCerts(dir);
      const policy = path.join(dir, 'p.yaml');
      await writeFile(policy, NO_LATEST);
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const audit = path.join(dir, 'audit.jsonl');
      const exit = runWebhookServe({ policy, tlsCert: certs.tlsCert, tlsKey: certs.tlsKey, port: String(port), host: '127.0.0.1', auditLog: audit, timeout: '5s', quiet: true });
      const ca = readFileSync(certs.tlsCert);
      await until('listening', () => call(port, ca, 'GET', '/readyz').then((r) => r.status, () => 0), (s) => s === 200);
      assert.equal(allowedOf((await call(port, ca, 'POST', '/validate', review('nginx'))).text), false);
      process.emit('SIGTERM', 'SIGTERM');
      assert.equal(await exit, 0);
      const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { decision: string; images: { ref: string }[]; latencyMs: number; uid: string });
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.decision, 'deny');
      assert.equal(lines[0]!.uid, 'u1');
      assert.deepEqual(lines[0]!.images.map((i) => i.ref), ['nginx']);
      assert.equal(typeof lines[0]!.latencyMs, 'number');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('bad flags are usage errors (exit 2)', async () => {
    assert.equal(await runWebhookServe({ quiet: true }), 2);
    assert.equal(await runWebhookServe({ policy: 'p', tlsCert: 'c', tlsKey: 'k', timeout: '45s', quiet: true }), 2);
    assert.equal(await runWebhookServe({ policy: '/nonexistent/policy.yaml', tlsCert: 'c', tlsKey: 'k', quiet: true }), 2);
  });
});

describe('webhook certs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-certs-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a CA and a serving certificate for NAME.NS.svc that openssl verifies; keys 0600', async () => {
    const out = path.join(dir, 'out');
    const certs = createWebhookCerts({ service: 'tollgate', namespace: 'tollgate-system' });
    const files = await writeWebhookCerts(out, certs);
    const { stdout } = await run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', files.caCert, files.tlsCert]);
    assert.match(stdout, /: OK/);
    const { stdout: text } = await run('openssl', ['x509', '-in', files.tlsCert, '-noout', '-ext', 'subjectAltName,extendedKeyUsage,basicConstraints']);
    for (const n of ['DNS:tollgate', 'DNS:tollgate.tollgate-system', 'DNS:tollgate.tollgate-system.svc', 'DNS:tollgate.tollgate-system.svc.cluster.local', 'TLS Web Server Authentication', 'CA:FALSE']) {
      assert.ok(text.includes(n), `${n} not in\n${text}`);
    }
    const { stdout: caText } = await run('openssl', ['x509', '-in', files.caCert, '-noout', '-ext', 'basicConstraints']);
    assert.match(caText, /CA:TRUE/);
    assert.equal(statSync(files.tlsKey).mode & 0o777, 0o600);
    assert.equal(statSync(files.caKey).mode & 0o777, 0o600);
    assert.equal(Buffer.from(certs.caBundle, 'base64').toString(), readFileSync(files.caCert, 'utf8'));
    await assert.rejects(writeWebhookCerts(out, certs), /exists/);

    // A client that checks the name, as kube-apiserver does, accepts the served certificate.
    const policy = path.join(dir, 'p.yaml');
    await writeFile(policy, NO_LATEST);
    const server = new WebhookServer({ policies: new PolicyStore(policy), tlsCertFile: files.tlsCert, tlsKeyFile: files.tlsKey, facts: noFacts, port: 0, host: '127.0.0.1', log: quiet });
    await server.start();
    try {
      const ca = readFileSync(files.caCert);
      assert.equal((await call(server.port, ca, 'GET', '/healthz', undefined, 'tollgate.tollgate-system.svc')).status, 200);
      await assert.rejects(call(server.port, ca, 'GET', '/healthz', undefined, 'other.tollgate-system.svc'), /altnames|Hostname/);
    } finally {
      await server.close();
    }
  });

  test('the command prints the caBundle and refuses bad names', async () => {
    const out = path.join(dir, 'cli');
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(String(c));
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runWebhookCerts({ service: 'hook', namespace: 'ns', out, quiet: true });
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0);
    // The test runner reports over stdout too: pick the command's own line.
    const line = chunks.find((c) => /^[A-Za-z0-9+/]+=*\n$/.test(c));
    assert.ok(line, 'a base64 line on stdout');
    assert.equal(Buffer.from(line.trim(), 'base64').toString(), readFileSync(path.join(out, 'ca.crt'), 'utf8'));
    assert.equal(await runWebhookCerts({ service: 'Not_Valid', namespace: 'ns', out: path.join(dir, 'x'), quiet: true }), 2);
  });
});
