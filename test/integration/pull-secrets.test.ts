/**
 * Image pull secrets in the admission webhook, end to end.
 *
 * The registry is REAL: the harness's CNCF distribution registry with Basic auth (htpasswd, TLS), holding a private
 * image signed by Tollgate's signer. The Kubernetes side is a small HTTPS server written here that stands in for
 * kube-apiserver, because no API server can run on this machine: it speaks the documented REST paths the webhook
 * reads (GET /api/v1/namespaces/NS/secrets/NAME and /serviceaccounts/NAME, v1 Status objects for 403/404) and
 * checks the service account's bearer token as kube-apiserver would. AdmissionReviews are POSTed over HTTPS as
 * kube-apiserver sends them. Expected digests are the ones the push returned.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { kubernetesApi, LiveFactProvider, PullSecretResolver, type AuditRecord, type InClusterApi } from '../../src/admission/index.js';
import type { TollgateEvent } from '../../src/core/index.js';
import { RegistryClient } from '../../src/oci/index.js';
import { signImage, type Signer } from '../../src/sign/index.js';
import { AuditLog, PolicyStore, WebhookServer, type ServerLogEntry } from '../../src/server/index.js';
import { makeTestCerts } from '../support/certs.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { repoRoot } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const API_TOKEN = 'webhook-sa-token-31c9';
/** A password that must never be seen outside the secret: not in responses, audit lines, logs or events. */
const WRONG_PASSWORD = 'Wr0ng-Pa55-9d1e7c';
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface ReviewReply {
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
}

function post(port: number, ca: Buffer, body: string, endpoint = '/validate'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: endpoint, method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let uid = 0;
/** An AdmissionReview for a Pod (or a Deployment's pod template) as kube-apiserver sends it. */
function review(o: { namespace: string; image: string; pullSecrets?: string[]; serviceAccount?: string; kind?: 'Pod' | 'Deployment' }): string {
  const podSpec: Record<string, unknown> = { containers: [{ name: 'app', image: o.image }] };
  if (o.pullSecrets) podSpec.imagePullSecrets = o.pullSecrets.map((name) => ({ name }));
  if (o.serviceAccount) podSpec.serviceAccountName = o.serviceAccount;
  const kind = o.kind ?? 'Pod';
  const object =
    kind === 'Pod'
      ? { apiVersion: 'v1', kind, metadata: { name: 'p', namespace: o.namespace }, spec: podSpec }
      : { apiVersion: 'apps/v1', kind, metadata: { name: 'd', namespace: o.namespace }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec } } };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${++uid}`,
      kind: kind === 'Pod' ? { group: '', version: 'v1', kind } : { group: 'apps', version: 'v1', kind },
      resource: kind === 'Pod' ? { group: '', version: 'v1', resource: 'pods' } : { group: 'apps', version: 'v1', resource: 'deployments' },
      name: object.metadata.name,
      namespace: o.namespace,
      operation: 'CREATE',
      userInfo: { username: 'tester' },
      object,
      dryRun: false,
    },
  });
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** The stand-in for kube-apiserver (see the file comment): secrets and service accounts, bearer token checked. */
async function startFakeApi(certFile: string, keyFile: string, objects: Map<string, unknown>, forbidden: Set<string>) {
  const calls: string[] = [];
  const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
    const url = req.url ?? '';
    calls.push(url);
    const send = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    if (req.headers.authorization !== `Bearer ${API_TOKEN}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|serviceaccounts)\/([^/?]+)$/.exec(url);
    if (!m) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, ns, resource, name] = m;
    if (forbidden.has(`${ns}/${name}`)) {
      return send(403, status(403, 'Forbidden', `${resource} "${name}" is forbidden: User "system:serviceaccount:tollgate:tollgate-webhook" cannot get resource "${resource}" in API group "" in the namespace "${ns}"`));
    }
    const o = objects.get(`${resource}/${ns}/${name}`);
    if (!o) return send(404, status(404, 'NotFound', `${resource} "${name}" not found`));
    return send(200, o);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, calls, port: (server.address() as AddressInfo).port };
}

function dockerConfigJsonSecret(ns: string, name: string, auths: Record<string, unknown>) {
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name, namespace: ns },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

describe('webhook with image pull secrets: a private registry with Basic auth, secrets read through the API', () => {
  let reg: TestRegistry;
  let dir: string;
  let ca: Buffer;
  let policyFile: string;
  let api: Awaited<ReturnType<typeof startFakeApi>>;
  let cluster: InClusterApi;
  let server: WebhookServer;
  let facts: LiveFactProvider;
  let shared: RegistryClient;
  let resolver: PullSecretResolver;
  let digest: string;
  let signer: Signer;
  let alicePem: string;
  const audit: AuditRecord[] = [];
  const auditText: string[] = [];
  const events: TollgateEvent[] = [];
  const logs: ServerLogEntry[] = [];
  const H = () => reg.host;
  const admit = async (body: string) => {
    const r = await post(server.port, ca, body);
    assert.equal(r.status, 200, r.text);
    return { reply: JSON.parse(r.text) as ReviewReply, text: r.text };
  };
  const lastAudit = () => audit.at(-1)!;

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-pull-secrets-'));
    const pusher = new RegistryClient({ credentials: { username: 'alice', password: reg.users.alice! }, caFile: reg.caFile!, dockerConfigDir: path.join(dir, 'none') });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    signer = { algorithm: 'ecdsa-p256-sha256', description: 'alice.key', publicKey: async () => publicKey, sign: async (d) => cryptoSign('sha256', d, privateKey) };
    alicePem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const image = buildImage([await buildLayer(await makeTar([{ path: 'id', content: 'private app\n' }]))]);
    digest = await pushImage(pusher, `${H()}/private/app:1.0`, { image });
    assert.equal(digest, image.manifestDigest);
    await signImage({ image: `${H()}/private/app:1.0`, signer, registry: pusher, form: 'legacy' });
    await pusher.close();

    policyFile = path.join(dir, 'policy.yaml');
    await writeFile(
      policyFile,
      `apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: private-signed}\nspec:\n  images: ["${H()}/private/**"]\n  authorities:\n    - name: alice\n      key:\n        data: |\n${alicePem
        .trim()
        .split('\n')
        .map((l) => `          ${l}`)
        .join('\n')}\n`,
    );

    const objects = new Map<string, unknown>();
    const put = (o: { kind: string; metadata: { name: string; namespace: string } }) => objects.set(`${o.kind === 'Secret' ? 'secrets' : 'serviceaccounts'}/${o.metadata.namespace}/${o.metadata.name}`, o);
    put(dockerConfigJsonSecret('team-a', 'regcred', { [`https://${H()}`]: { auth: b64(`alice:${reg.users.alice!}`) } }));
    put(dockerConfigJsonSecret('team-a', 'badcred', { [H()]: { username: 'alice', password: WRONG_PASSWORD } }));
    // The legacy format: the registry map at the top level, no "auths".
    put({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 'legacy', namespace: 'team-a' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ [`https://${H()}/v1/`]: { username: 'bob', password: reg.users.bob!, email: 'b@x' } })) } } as never);
    // A key with a path: it serves images under private/ only.
    put(dockerConfigJsonSecret('team-c', 'sa-cred', { [`${H()}/private`]: { auth: b64(`bob:${reg.users.bob!}`) } }));
    for (const ns of ['team-a', 'team-b', 'team-c']) put({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'default', namespace: ns } } as never);
    put({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'builder', namespace: 'team-c' }, imagePullSecrets: [{ name: 'sa-cred' }] } as never);
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    ca = readFileSync(certs.tlsCert);
    api = await startFakeApi(certs.tlsCert, certs.tlsKey, objects, new Set(['team-a/forbidden']));
    const sa = path.join(dir, 'serviceaccount');
    await mkdir(sa);
    await writeFile(path.join(sa, 'token'), `${API_TOKEN}\n`);
    await writeFile(path.join(sa, 'ca.crt'), ca);
    await writeFile(path.join(sa, 'namespace'), 'tollgate');
    cluster = await kubernetesApi({ env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) }, serviceAccountDir: sa });

    const store = new PolicyStore(policyFile);
    const transport = { caFile: reg.caFile!, dockerConfigDir: path.join(dir, 'no-docker-config'), retries: 0, timeoutMs: 3000 };
    // The webhook's own credentials: none (no docker config, no flags).
    shared = new RegistryClient(transport);
    const sink = (e: TollgateEvent) => events.push(e);
    facts = new LiveFactProvider({
      registry: shared,
      policyVersion: () => store.get().version,
      registryFor: (c) => (c.username !== undefined && c.identityToken === undefined ? new RegistryClient({ ...transport, credentials: { username: c.username, password: c.password ?? '' } }) : 'identity tokens are not supported'),
      events: sink,
    });
    resolver = new PullSecretResolver(cluster, { events: sink });
    const auditSink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          auditText.push(line);
          audit.push(JSON.parse(line) as AuditRecord);
        }
        cb();
      },
    });
    server = new WebhookServer({
      policies: store,
      tlsCertFile: certs.tlsCert,
      tlsKeyFile: certs.tlsKey,
      facts,
      pullSecrets: resolver,
      port: 0,
      host: '127.0.0.1',
      timeoutMs: 8000,
      audit: new AuditLog(auditSink),
      log: (e) => logs.push(e),
    });
    await server.start();
  });

  after(async () => {
    await server?.close();
    await facts?.close();
    await shared?.close();
    await cluster?.close();
    api?.server.closeAllConnections();
    await new Promise((r) => api?.server.close(r));
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('namespace A with the right pull secret: admitted, the signature verified at the pushed digest', async () => {
    const { reply } = await admit(review({ namespace: 'team-a', image: `${H()}/private/app:1.0`, pullSecrets: ['regcred'] }));
    assert.equal(reply.response.allowed, true, JSON.stringify(reply));
    const a = lastAudit();
    assert.deepEqual(a.pullSecrets, ['team-a/regcred']);
    assert.equal(a.images[0]!.digest, digest);
    assert.deepEqual(a.rules, []);
  });

  test('the same Pod in namespace B, which has no pull secret: denied with the registry’s authentication error, not served from A’s cache', async () => {
    const { reply } = await admit(review({ namespace: 'team-b', image: `${H()}/private/app:1.0` }));
    assert.equal(reply.response.allowed, false);
    assert.equal(reply.response.status!.code, 403);
    assert.match(reply.response.status!.message, /authentication required for repository private\/app/);
    assert.equal(lastAudit().images[0]!.digest, undefined, 'B does not even learn the digest');
    // Pinned to the digest A verified: still B's own credentials must reach it.
    const pinned = await admit(review({ namespace: 'team-b', image: `${H()}/private/app@${digest}` }));
    assert.equal(pinned.reply.response.allowed, false);
    assert.match(pinned.reply.response.status!.message, /authentication required/);
    // …while A, by digest, is served (its own HEAD of the digest proves access).
    const a = await admit(review({ namespace: 'team-a', image: `${H()}/private/app@${digest}`, pullSecrets: ['regcred'] }));
    assert.equal(a.reply.response.allowed, true, JSON.stringify(a.reply));
  });

  test('a wrong password: a clear registry authentication error naming the pull secret; the password nowhere', async () => {
    const { reply, text } = await admit(review({ namespace: 'team-a', image: `${H()}/private/app:1.0`, pullSecrets: ['badcred'] }));
    assert.equal(reply.response.allowed, false);
    const msg = reply.response.status!.message;
    assert.match(msg, new RegExp(`${H().replace(/\./g, '\\.')} rejected the credentials of the user of pull secret team-a/badcred`));
    assert.match(msg, /\[with pull secret team-a\/badcred\]/);
    assert.match(msg, /\[with the webhook's own credentials\]/);
    const everything = [text, ...auditText, JSON.stringify(logs), JSON.stringify(events)].join('\n');
    assert.ok(!everything.includes(WRONG_PASSWORD), 'the password appears somewhere');
    assert.ok(!everything.includes(b64(`alice:${WRONG_PASSWORD}`)));
    assert.ok(!everything.includes(reg.users.alice!), 'the right password appears somewhere');
  });

  test('kubelet order: a failing credential is followed by the next one', async () => {
    const { reply } = await admit(review({ namespace: 'team-a', image: `${H()}/private/app:1.0`, pullSecrets: ['badcred', 'regcred'] }));
    assert.equal(reply.response.allowed, true, JSON.stringify(reply));
  });

  test('missing and forbidden pull secrets are skipped with a warning event; the next one is used', async () => {
    const before = events.length;
    const { reply } = await admit(review({ namespace: 'team-a', image: `${H()}/private/app:1.0`, pullSecrets: ['missing', 'forbidden', 'regcred'] }));
    assert.equal(reply.response.allowed, true, JSON.stringify(reply));
    const a = lastAudit();
    assert.deepEqual(a.pullSecrets, ['team-a/missing', 'team-a/forbidden', 'team-a/regcred']);
    assert.equal(a.pullSecretWarnings?.length, 2);
    assert.match(a.pullSecretWarnings![0]!, /^pull secret team-a\/missing: the Kubernetes API answered HTTP 404: secrets "missing" not found .*skipped/);
    assert.match(a.pullSecretWarnings![1]!, /HTTP 403: secrets "forbidden" is forbidden/);
    const warned = events.slice(before).filter((e) => e.type === 'warning' && e.code === 'PULL_SECRET_UNAVAILABLE');
    assert.equal(warned.length, 2);
  });

  test('the legacy kubernetes.io/dockercfg format is read', async () => {
    const { reply } = await admit(review({ namespace: 'team-a', image: `${H()}/private/app:1.0`, pullSecrets: ['legacy'] }));
    assert.equal(reply.response.allowed, true, JSON.stringify(reply));
    assert.deepEqual(lastAudit().pullSecrets, ['team-a/legacy']);
  });

  test('the service account’s imagePullSecrets: a Pod and a Deployment’s pod template in namespace C', async () => {
    const pod = await admit(review({ namespace: 'team-c', image: `${H()}/private/app:1.0`, serviceAccount: 'builder' }));
    assert.equal(pod.reply.response.allowed, true, JSON.stringify(pod.reply));
    assert.deepEqual(lastAudit().pullSecrets, ['team-c/sa-cred']);
    const deployment = await admit(review({ namespace: 'team-c', image: `${H()}/private/app:1.0`, serviceAccount: 'builder', kind: 'Deployment' }));
    assert.equal(deployment.reply.response.allowed, true, JSON.stringify(deployment.reply));
    // The default service account of C has no pull secrets.
    const plain = await admit(review({ namespace: 'team-c', image: `${H()}/private/app:1.0` }));
    assert.equal(plain.reply.response.allowed, false);
  });

  test('secrets and service accounts are read once per TTL, not per request', () => {
    const count = (p: string) => api.calls.filter((c) => c === p).length;
    assert.equal(count('/api/v1/namespaces/team-a/secrets/regcred'), 1);
    assert.equal(count('/api/v1/namespaces/team-a/serviceaccounts/default'), 1);
    assert.equal(count('/api/v1/namespaces/team-c/serviceaccounts/builder'), 1);
    // Absent and forbidden are remembered briefly too.
    assert.equal(count('/api/v1/namespaces/team-a/secrets/missing'), 1);
  });
});

describe('tollgate webhook serve --pull-secrets (the CLI, with a kubeconfig)', () => {
  let reg: TestRegistry;
  let dir: string;
  let api: Awaited<ReturnType<typeof startFakeApi>>;
  let child: ChildProcess | undefined;
  let stderr = '';

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-pull-secrets-cli-'));
    const pusher = new RegistryClient({ credentials: { username: 'alice', password: reg.users.alice! }, caFile: reg.caFile!, dockerConfigDir: path.join(dir, 'none') });
    const image = buildImage([await buildLayer(await makeTar([{ path: 'id', content: 'cli\n' }]))]);
    await pushImage(pusher, `${reg.host}/private/cli:1`, { image });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cliSigner: Signer = { algorithm: 'ecdsa-p256-sha256', description: 'ci.key', publicKey: async () => publicKey, sign: async (d) => cryptoSign('sha256', d, privateKey) };
    await signImage({ image: `${reg.host}/private/cli:1`, signer: cliSigner, registry: pusher, form: 'legacy' });
    await pusher.close();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString().trim().split('\n').map((l) => `          ${l}`).join('\n');
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    const objects = new Map<string, unknown>([
      ['secrets/team-a/regcred', dockerConfigJsonSecret('team-a', 'regcred', { [reg.host]: { auth: b64(`alice:${reg.users.alice!}`) } })],
      ['secrets/team-a/badcred', dockerConfigJsonSecret('team-a', 'badcred', { [reg.host]: { auth: b64(`alice:${WRONG_PASSWORD}`) } })],
    ]);
    api = await startFakeApi(certs.tlsCert, certs.tlsKey, objects, new Set());
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      toYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${api.port}`, 'certificate-authority-data': readFileSync(certs.tlsCert).toString('base64') } }],
        users: [{ name: 'u', user: { token: API_TOKEN } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    await writeFile(
      path.join(dir, 'policy.yaml'),
      `apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: signed}\nspec:\n  images: ["${reg.host}/**"]\n  authorities:\n    - name: ci\n      key:\n        data: |\n${pem}\n`,
    );
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig };
    const args = [
      'webhook', 'serve', '--pull-secrets', '--policy', path.join(dir, 'policy.yaml'), '--tls-cert', certs.tlsCert, '--tls-key', certs.tlsKey,
      '--port', '0', '--host', '127.0.0.1', '--ca-file', reg.caFile!, '--docker-config', path.join(dir, 'none'), '--audit-log', path.join(dir, 'audit.log'),
    ];
    child = spawn(process.execPath, ['--import', 'tsx', '-e', `const { main } = await import(${JSON.stringify(path.join(repoRoot, 'src/cli/main.ts'))}); process.exitCode = await main(${JSON.stringify(args)});`], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/listening on https:\/\/127\.0\.0\.1:\d+/.test(stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`webhook did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    api?.server.closeAllConnections();
    await new Promise((r) => api?.server.close(r));
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('admits with the pull secret, denies without, names the API it uses, never logs the password', async () => {
    const port = Number(/listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    assert.match(stderr, new RegExp(`image pull secrets are read through the Kubernetes API \\(kubeconfig ${path.join(dir, 'kubeconfig').replace(/[.\\/]/g, '\\$&')} \\(context ctx\\)\\)`));
    const ca = readFileSync(path.join(dir, 'certs', 'tls.crt'));
    const withSecret = JSON.parse((await post(port, ca, review({ namespace: 'team-a', image: `${reg.host}/private/cli:1`, pullSecrets: ['regcred'] }), '/mutate')).text) as ReviewReply & { response: { patch?: string } };
    assert.equal(withSecret.response.allowed, true, JSON.stringify(withSecret));
    assert.ok(withSecret.response.patch, 'pinned to the digest it reached');
    const without = JSON.parse((await post(port, ca, review({ namespace: 'team-b', image: `${reg.host}/private/cli:1` }))).text) as ReviewReply;
    assert.equal(without.response.allowed, false);
    assert.match(without.response.status!.message, /authentication required/);
    const bad = await post(port, ca, review({ namespace: 'team-a', image: `${reg.host}/private/cli:1`, pullSecrets: ['badcred'] }));
    assert.match((JSON.parse(bad.text) as ReviewReply).response.status!.message, /rejected the credentials of the user of pull secret team-a\/badcred/);
    const auditLog = await readFile(path.join(dir, 'audit.log'), 'utf8');
    for (const text of [bad.text, auditLog, stderr]) {
      assert.ok(!text.includes(WRONG_PASSWORD));
      assert.ok(!text.includes(reg.users.alice!));
    }
    assert.ok(api.calls.includes('/api/v1/namespaces/team-a/secrets/regcred'));
    assert.ok(api.calls.includes('/api/v1/namespaces/team-b/serviceaccounts/default'));
  });
});
