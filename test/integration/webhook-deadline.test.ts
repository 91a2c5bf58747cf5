/**
 * A registry that accepts connections and never answers: the webhook must answer before kube-apiserver gives up
 * (its deadline is the configured timeout, or the request's `?timeout=`, minus a margin), with a TIMEOUT fact error
 * that each policy's failurePolicy turns into a denial (Fail) or an admission (Ignore).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { LiveFactProvider, type AuditRecord } from '../../src/admission/index.js';
import { RegistryClient } from '../../src/oci/index.js';
import { AuditLog, PolicyStore, WebhookServer } from '../../src/server/index.js';
import { makeTestCerts } from '../support/certs.js';

function post(port: number, ca: Buffer, pathName: string, body: string): Promise<{ status: number; json: { response: { allowed: boolean; status?: { message: string } } } }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: pathName, method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('webhook deadline: a registry that never answers', () => {
  let dir: string;
  let hanging: net.Server;
  const sockets = new Set<net.Socket>();
  let server: WebhookServer;
  let registry: RegistryClient;
  let ca: Buffer;
  let host: string;
  const audit: AuditRecord[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-deadline-'));
    hanging = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(hanging.address() as net.AddressInfo).port}`;
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().split('\n').map((l) => `          ${l}`).join('\n');
    const policy = (name: string, failurePolicy: string) =>
      `apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: ${name}}\nspec:\n  images: ["${host}/${name}/**"]\n  failurePolicy: ${failurePolicy}\n  authorities:\n    - key:\n        data: |\n${pem}\n`;
    const file = path.join(dir, 'p.yaml');
    await writeFile(file, `${policy('strict', 'Fail')}---\n${policy('lenient', 'Ignore')}`);
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    ca = readFileSync(certs.tlsCert);
    const store = new PolicyStore(file);
    registry = new RegistryClient({ dockerConfigDir: path.join(dir, 'none'), timeoutMs: 30_000, retries: 0 });
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) audit.push(JSON.parse(l) as AuditRecord);
        cb();
      },
    });
    server = new WebhookServer({
      policies: store,
      tlsCertFile: certs.tlsCert,
      tlsKeyFile: certs.tlsKey,
      facts: new LiveFactProvider({ registry, policyVersion: () => store.get().version }),
      port: 0,
      host: '127.0.0.1',
      timeoutMs: 2500,
      marginMs: 1000,
      audit: new AuditLog(sink),
      log: () => undefined,
    });
    await server.start();
  });
  after(async () => {
    await server?.close();
    for (const s of sockets) s.destroy();
    hanging?.close();
    await registry?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const review = (image: string) =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: image, kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'a', object: { kind: 'Pod', spec: { containers: [{ name: 'c', image }] } } },
    });

  test('failurePolicy Fail: denied at the deadline (timeout 2.5 s − 1 s margin) with a TIMEOUT', async () => {
    const t = performance.now();
    const r = await post(server.port, ca, '/validate', review(`${host}/strict/app:1`));
    const ms = performance.now() - t;
    assert.equal(r.json.response.allowed, false);
    assert.match(r.json.response.status!.message, /strict\/signatures: could not be checked: the registry did not answer before the webhook deadline/);
    assert.ok(ms >= 1400 && ms < 2400, `answered after ${Math.round(ms)} ms`);
  });

  test("failurePolicy Ignore: admitted; kube-apiserver's shorter ?timeout= wins", async () => {
    const t = performance.now();
    const r = await post(server.port, ca, '/validate?timeout=1500ms', review(`${host}/lenient/app:1`));
    const ms = performance.now() - t;
    assert.equal(r.json.response.allowed, true);
    assert.ok(ms >= 400 && ms < 1400, `answered after ${Math.round(ms)} ms`);
    assert.ok(audit.at(-1)!.rules.some((x) => x.result === 'skip' && /deadline/.test(x.message)));
    const metrics = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: server.port, path: '/metrics', ca }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.match(metrics, /^tollgate_fact_timeouts_total 2$/m);
  });
});
