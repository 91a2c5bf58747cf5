/**
 * k8s://namespace/secret against a local HTTPS server that speaks the Kubernetes API's shape (GET
 * /api/v1/namespaces/NS/secrets/NAME → a v1 Secret with base64 `data`; v1 Status objects for 401/403/404), because no
 * cluster exists in this environment. The server is checked to be convincing by the real `kubectl` (when
 * installed): it reads the same secret from it, through the same kubeconfig. Kubeconfig resolution (KUBECONFIG
 * lists, first-wins merging, relative paths) is compared with `kubectl config view --minify`.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { SignError, UsageError } from '../../core/index.js';
import { makeTestCerts, type TestCerts } from '../../../test/support/certs.js';
import { shared } from '../../../test/support/paths.js';
import { readSecret, resolveKubernetesAccess } from './kubernetes.js';
import { loadPrivateKey, loadPublicKeys } from './load-keys.js';

const run = promisify(execFile);
const TOKEN = 'sa-token-9f8e7d';
const keysDir = shared('interop', 'cosign-keys');
const cosignKey = readFileSync(path.join(keysDir, 'sigstore-test.key'));
const cosignPub = readFileSync(path.join(keysDir, 'sigstore-test.pub'));

/** Secrets the fake API holds: namespace/name → data. */
const secrets: Record<string, Record<string, Buffer>> = {
  'signing/cosign': { 'cosign.key': cosignKey, 'cosign.pub': cosignPub, 'cosign.password': Buffer.from('hello') },
  'signing/no-password': { 'cosign.key': cosignKey, 'cosign.pub': cosignPub },
  'signing/wrong-password': { 'cosign.key': cosignKey, 'cosign.pub': cosignPub, 'cosign.password': Buffer.from('not-it') },
  'signing/pub-only': { 'cosign.pub': cosignPub },
  'signing/garbage': { 'cosign.key': Buffer.from('this is not a key'), 'cosign.pub': Buffer.from('nor this') },
};

let tmp: string;
let certs: TestCerts;
let server: https.Server;
let base: string;
const requests: { url: string; auth: string | undefined; clientCert: string | undefined }[] = [];

function status(code: number, reason: string, message: string, details?: Record<string, string>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** The subset of the API server that cosign and kubectl use to read a secret (discovery for kubectl). */
function handler(prefix: string) {
  return (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const clientCert = socket.authorized && peer?.subject ? String(peer.subject.CN) : undefined;
    requests.push({ url: req.url ?? '', auth: req.headers.authorization, clientCert });
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'https://x');
    if (!url.pathname.startsWith(prefix)) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const p = url.pathname.slice(prefix.length) || '/';
    const user = req.headers.authorization === `Bearer ${TOKEN}` ? 'system:serviceaccount:signing:tollgate' : clientCert === 'tollgate-user' ? 'tollgate-user' : undefined;
    if (req.headers.authorization && !user) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(p);
    if (m) {
      const [, ns, name] = m;
      if (!user) {
        return send(
          403,
          status(403, 'Forbidden', `secrets "${name}" is forbidden: User "system:anonymous" cannot get resource "secrets" in API group "" in the namespace "${ns}"`, {
            name: name!,
            kind: 'secrets',
          }),
        );
      }
      const data = secrets[`${ns}/${name}`];
      if (!data) return send(404, status(404, 'NotFound', `secrets "${name}" not found`, { name: name!, kind: 'secrets' }));
      return send(200, {
        kind: 'Secret',
        apiVersion: 'v1',
        metadata: { name, namespace: ns, uid: '5e3c5f7e-0000-4000-8000-000000000001', resourceVersion: '4711', creationTimestamp: '2024-05-01T10:00:00Z' },
        immutable: true,
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')])),
        type: 'Opaque',
      });
    }
    // Discovery, as kubectl asks for it before `get secret`.
    if (p === '/version') return send(200, { major: '1', minor: '30', gitVersion: 'v1.30.0', platform: 'linux/amd64' });
    if (p === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:443' }] });
    if (p === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (p === '/api/v1') {
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [{ name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }],
      });
    }
    return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  };
}

async function opensslTool(...args: string[]): Promise<void> {
  await run('openssl', args);
}

interface Kubeconfig {
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: Record<string, unknown> }[];
  'current-context'?: string;
}
async function kubeconfig(name: string, doc: Kubeconfig): Promise<string> {
  const f = path.join(tmp, name);
  await mkdir(path.dirname(f), { recursive: true });
  await writeFile(f, toYaml({ apiVersion: 'v1', kind: 'Config', ...doc }));
  return f;
}
const tokenConfig = (): Kubeconfig => ({
  clusters: [{ name: 'local', cluster: { server: base, 'certificate-authority-data': readFileSync(certs.tlsCert).toString('base64') } }],
  users: [{ name: 'sa', user: { token: TOKEN } }],
  contexts: [{ name: 'local', context: { cluster: 'local', user: 'sa' } }],
  'current-context': 'local',
});

/** Options that see only the files of this test (no ~/.kube/config, no in-cluster variables of the host). */
const envWith = (kubeconfigPath: string) => ({ env: { KUBECONFIG: kubeconfigPath, HOME: tmp } });

let kubectl: string | undefined;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-k8s-'));
  certs = await makeTestCerts(path.join(tmp, 'certs'));
  // A client CA and a client certificate for kubeconfig's client-certificate authentication.
  const c = (n: string) => path.join(tmp, 'certs', n);
  await opensslTool('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=client-ca', '-keyout', c('client-ca.key'), '-out', c('client-ca.crt'));
  await opensslTool('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=tollgate-user', '-keyout', c('client.key'), '-out', c('client.csr'));
  await opensslTool('x509', '-req', '-in', c('client.csr'), '-CA', c('client-ca.crt'), '-CAkey', c('client-ca.key'), '-CAcreateserial', '-days', '2', '-out', c('client.crt'));
  server = https.createServer(
    { key: readFileSync(certs.tlsKey), cert: readFileSync(certs.tlsCert), ca: readFileSync(c('client-ca.crt')), requestCert: true, rejectUnauthorized: false },
    handler(''),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', env: { ...process.env, HOME: tmp } });
    kubectl = 'kubectl';
  } catch {
    kubectl = undefined;
  }
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await rm(tmp, { recursive: true, force: true });
});

describe('k8s:// through a kubeconfig', () => {
  test('cosign.key is decrypted with the secret’s cosign.password; cosign.pub verifies its signatures', async () => {
    const opts = envWith(await kubeconfig('token/config', tokenConfig()));
    const signer = await loadPrivateKey('k8s://signing/cosign', { ...opts, password: 'ignored: the secret has its own' });
    assert.equal(signer.description, 'k8s://signing/cosign');
    assert.equal(signer.algorithm, 'ecdsa-p256-sha256');
    const data = Buffer.from('payload');
    const sig = await signer.sign(data);
    assert.ok(verify('sha256', data, createPublicKey(cosignPub), sig));
    const [trusted] = await loadPublicKeys(['k8s://signing/cosign'], opts);
    assert.equal(trusted!.source, 'k8s://signing/cosign');
    assert.ok(trusted!.key.equals(await signer.publicKey()));
    const last = requests.at(-1)!;
    assert.equal(last.url, '/api/v1/namespaces/signing/secrets/cosign');
    assert.equal(last.auth, `Bearer ${TOKEN}`);
  });

  test('without cosign.password in the secret, the given password is used; a wrong one is WRONG_PASSWORD', async () => {
    const opts = envWith(await kubeconfig('token/config', tokenConfig()));
    const signer = await loadPrivateKey('k8s://signing/no-password', { ...opts, password: 'hello' });
    assert.equal(signer.algorithm, 'ecdsa-p256-sha256');
    await assert.rejects(loadPrivateKey('k8s://signing/wrong-password', opts), (e: unknown) => {
      assert.ok(e instanceof SignError);
      assert.equal(e.code, 'WRONG_PASSWORD');
      assert.equal(e.message, 'incorrect password for k8s://signing/wrong-password');
      return true;
    });
  });

  test('client certificate and CA from files, relative to the kubeconfig; a server path prefix is kept', async () => {
    const prefixed = https.createServer(
      { key: readFileSync(certs.tlsKey), cert: readFileSync(certs.tlsCert), ca: readFileSync(path.join(tmp, 'certs', 'client-ca.crt')), requestCert: true, rejectUnauthorized: false },
      handler('/k8s/clusters/c-1'),
    );
    await new Promise<void>((r) => prefixed.listen(0, '127.0.0.1', r));
    try {
      const server2 = `https://127.0.0.1:${(prefixed.address() as AddressInfo).port}/k8s/clusters/c-1`;
      const f = await kubeconfig('certs/kubeconfig.yaml', {
        clusters: [{ name: 'c', cluster: { server: server2, 'certificate-authority': 'tls.crt' } }],
        users: [{ name: 'u', user: { 'client-certificate': 'client.crt', 'client-key': 'client.key' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'elsewhere' } }],
        'current-context': 'ctx',
      });
      const keys = await loadPublicKeys(['k8s://signing/pub-only'], envWith(f));
      assert.equal(keys.length, 1);
      const last = requests.at(-1)!;
      assert.equal(last.url, '/k8s/clusters/c-1/api/v1/namespaces/signing/secrets/pub-only');
      assert.equal(last.auth, undefined);
      assert.equal(last.clientCert, 'tollgate-user');
    } finally {
      prefixed.closeAllConnections();
      await new Promise((r) => prefixed.close(r));
    }
  });

  test('the API’s refusals and absences are typed errors with its own reason', async () => {
    const opts = envWith(await kubeconfig('token/config', tokenConfig()));
    await assert.rejects(loadPrivateKey('k8s://signing/absent', opts), {
      code: 'KEY_NOT_FOUND',
      message: /^k8s:\/\/signing\/absent: secret "absent" not found in namespace "signing" \(kubeconfig .* \(context local\)\)$/,
    });
    await assert.rejects(loadPrivateKey('k8s://signing/pub-only', opts), { code: 'KEY_NOT_FOUND', message: /the secret has no cosign\.key/ });
    const badToken = tokenConfig();
    badToken.users = [{ name: 'sa', user: { token: 'expired' } }];
    await assert.rejects(loadPublicKeys(['k8s://signing/cosign'], envWith(await kubeconfig('bad/config', badToken))), {
      code: 'KEY_UNAVAILABLE',
      message: /^k8s:\/\/signing\/cosign: the Kubernetes API answered HTTP 401: Unauthorized/,
    });
    const anonymous = tokenConfig();
    anonymous.users = [{ name: 'sa', user: {} }];
    await assert.rejects(loadPublicKeys(['k8s://signing/cosign'], envWith(await kubeconfig('anon/config', anonymous))), {
      code: 'KEY_UNAVAILABLE',
      message: /HTTP 403: secrets "cosign" is forbidden: User "system:anonymous" cannot get resource "secrets"/,
    });
    // A secret whose content is not a key: the message does not quote it.
    await assert.rejects(loadPrivateKey('k8s://signing/garbage', opts), (e: unknown) => {
      assert.ok(e instanceof SignError && e.code === 'MALFORMED_KEY');
      assert.doesNotMatch(e.message, /this is not a key/);
      return true;
    });
  });

  test('TLS is verified: an API server signed by another CA is refused', async () => {
    const cfg = tokenConfig();
    cfg.clusters = [{ name: 'local', cluster: { server: base, 'certificate-authority': path.join(tmp, 'certs', 'client-ca.crt') } }];
    await assert.rejects(readSecret('k8s://signing/cosign', envWith(await kubeconfig('wrong-ca/config', cfg))), (e: unknown) => {
      assert.ok(e instanceof SignError && e.code === 'KEY_UNAVAILABLE');
      assert.match(e.message, /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+ .*: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
      return true;
    });
    cfg.clusters[0]!.cluster = { server: base, 'insecure-skip-tls-verify': true };
    assert.equal((await readSecret('k8s://signing/cosign', envWith(await kubeconfig('insecure/config', cfg)))).get('cosign.password')?.toString(), 'hello');
  });

  test('an unreachable server, an exec credential plugin, a bad reference', async () => {
    const down = tokenConfig();
    down.clusters = [{ name: 'local', cluster: { server: 'https://127.0.0.1:1' } }];
    await assert.rejects(readSecret('k8s://signing/cosign', envWith(await kubeconfig('down/config', down))), {
      code: 'KEY_UNAVAILABLE',
      message: /cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1 .*ECONNREFUSED/,
    });
    const exec = tokenConfig();
    exec.users = [{ name: 'sa', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'gke-gcloud-auth-plugin' } } }];
    await assert.rejects(readSecret('k8s://signing/cosign', envWith(await kubeconfig('exec/config', exec))), {
      code: 'KEY_UNAVAILABLE',
      message: /the user sa authenticates with an exec plugin, which Tollgate does not run/,
    });
    for (const ref of ['k8s://signing', 'k8s://signing/a/b', 'k8s://Signing/x', 'k8s://signing/..%2f']) {
      await assert.rejects(readSecret(ref, envWith(await kubeconfig('token/config', tokenConfig()))), (e: unknown) => e instanceof UsageError && e.code === 'INVALID_REFERENCE');
    }
  });
});

describe('k8s:// from inside a pod (service account), when there is no kubeconfig', () => {
  test('KUBERNETES_SERVICE_HOST/PORT, the token and ca.crt of the service account folder', async () => {
    const sa = path.join(tmp, 'serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(path.join(sa, 'token'), `${TOKEN}\n`);
    await writeFile(path.join(sa, 'ca.crt'), await readFile(certs.tlsCert));
    await writeFile(path.join(sa, 'namespace'), 'signing');
    const port = new URL(base).port;
    const kubernetes = { env: { KUBECONFIG: path.join(tmp, 'absent-config'), KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, serviceAccountDir: sa };
    const access = await resolveKubernetesAccess(kubernetes);
    assert.equal(access.server, base);
    assert.equal(access.origin, `in-cluster service account (${sa})`);
    const signer = await loadPrivateKey('k8s://signing/cosign', { kubernetes });
    assert.equal(signer.algorithm, 'ecdsa-p256-sha256');
    assert.equal(requests.at(-1)!.auth, `Bearer ${TOKEN}`);
  });

  test('neither kubeconfig nor service account: a clear error', async () => {
    await assert.rejects(resolveKubernetesAccess({ env: { HOME: path.join(tmp, 'nohome') } }), {
      code: 'KEY_UNAVAILABLE',
      message: /^no Kubernetes API configuration: set KUBECONFIG or create ~\/\.kube\/config, or run in a pod with a service account/,
    });
  });
});

describe('compared with kubectl', () => {
  test('kubectl reads the same secret from the test API server (the server is convincing)', async (t) => {
    if (!kubectl) return t.skip('kubectl is not installed');
    const f = await kubeconfig('token/config', tokenConfig());
    const { stdout } = await run(kubectl, ['--kubeconfig', f, 'get', 'secret', '-n', 'signing', 'cosign', '-o', 'json'], { env: { ...process.env, HOME: tmp } });
    const viaKubectl = JSON.parse(stdout) as { kind: string; data: Record<string, string> };
    assert.equal(viaKubectl.kind, 'Secret');
    const ours = await readSecret('k8s://signing/cosign', envWith(f));
    assert.deepEqual(Object.fromEntries([...ours].map(([k, v]) => [k, v.toString('base64')])), viaKubectl.data);
  });

  test('KUBECONFIG lists merge as kubectl merges them (first file wins, relative paths per file)', async (t) => {
    if (!kubectl) return t.skip('kubectl is not installed');
    // File a: no current-context, defines cluster "c" (wins) and user "u"; file b: current-context, its own "c" (loses), the context.
    const a = await kubeconfig('merge/a/config', {
      clusters: [{ name: 'c', cluster: { server: base, 'certificate-authority': '../../certs/tls.crt' } }],
      users: [{ name: 'u', user: { token: 'from-a' } }],
    });
    const b = await kubeconfig('merge/b/config', {
      clusters: [{ name: 'c', cluster: { server: 'https://192.0.2.1:6443' } }],
      users: [{ name: 'u', user: { token: 'from-b' } }],
      contexts: [{ name: 'ctx-b', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx-b',
    });
    const KUBECONFIG = [a, path.join(tmp, 'merge', 'missing'), b].join(path.delimiter);
    const { stdout } = await run(kubectl, ['config', 'view', '--minify', '--flatten', '-o', 'json'], { env: { ...process.env, HOME: tmp, KUBECONFIG } });
    const view = JSON.parse(stdout) as {
      clusters: { cluster: { server: string; 'certificate-authority-data'?: string } }[];
      users: { user: { token?: string } }[];
    };
    const access = await resolveKubernetesAccess({ env: { KUBECONFIG, HOME: tmp } });
    assert.equal(access.server, view.clusters[0]!.cluster.server);
    assert.equal(access.token, view.users[0]!.user.token);
    assert.equal(access.ca?.toString('base64'), view.clusters[0]!.cluster['certificate-authority-data']);
    assert.equal(access.token, 'from-a');
  });
});
