/**
 * In a cluster the webhook reads namespace labels (for namespaceSelector policies) and secretRef public keys through
 * the Kubernetes API with its service account. No API server runs here, so a small HTTPS server plays one, speaking
 * the documented REST paths (GET /api/v1/namespaces/NAME, GET /api/v1/namespaces/NS/secrets/NAME, base64 `data`)
 * and checking the bearer token, as kube-apiserver would.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionController, inClusterApi, parseAdmissionReview, type InClusterApi } from '../../src/admission/index.js';
import type { FactProvider } from '../../src/core/index.js';
import { parsePolicySources } from '../../src/policy/index.js';
import { makeTestCerts } from '../support/certs.js';

const TOKEN = 'test-service-account-token';

describe('webhook in a cluster: namespace labels and secretRef keys from the Kubernetes API', () => {
  let dir: string;
  let api: https.Server;
  let cluster: InClusterApi;
  const calls: string[] = [];
  const publicPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let failNamespaces = false;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-k8s-'));
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    const sa = path.join(dir, 'sa');
    await mkdir(sa);
    await copyFile(certs.tlsCert, path.join(sa, 'ca.crt'));
    await writeFile(path.join(sa, 'token'), `${TOKEN}\n`);
    await writeFile(path.join(sa, 'namespace'), 'tollgate');
    const objects: Record<string, unknown> = {
      '/api/v1/namespaces/prod': { kind: 'Namespace', metadata: { name: 'prod', labels: { 'kubernetes.io/metadata.name': 'prod', env: 'prod' } } },
      '/api/v1/namespaces/dev': { kind: 'Namespace', metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev', env: 'dev' } } },
      '/api/v1/namespaces/tollgate/secrets/release-key': {
        kind: 'Secret',
        metadata: { name: 'release-key', namespace: 'tollgate' },
        data: { 'cosign.pub': Buffer.from(publicPem).toString('base64'), 'cosign.password': Buffer.from('hunter2').toString('base64') },
      },
    };
    api = https.createServer({ cert: readFileSync(certs.tlsCert), key: readFileSync(certs.tlsKey) }, (req, res) => {
      calls.push(req.url!);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      const o = objects[req.url!];
      if (!o || (failNamespaces && req.url!.includes('/namespaces/') && !req.url!.includes('/secrets/'))) {
        res.writeHead(failNamespaces ? 503 : 404, { 'content-type': 'application/json' }).end('{"kind":"Status"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    cluster = (await inClusterApi({ env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String((api.address() as AddressInfo).port) }, serviceAccountDir: sa }))!;
  });
  after(async () => {
    api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('not in a cluster: nothing to use', async () => {
    assert.equal(await inClusterApi({ env: {} }), undefined);
  });

  test('namespace labels, cached; secret public keys (other values ignored)', async () => {
    assert.equal(cluster.namespace, 'tollgate');
    const signal = AbortSignal.timeout(5000);
    assert.deepEqual(await cluster.namespaceLabels('prod', signal), { 'kubernetes.io/metadata.name': 'prod', env: 'prod' });
    await cluster.namespaceLabels('prod', signal);
    assert.equal(calls.filter((c) => c === '/api/v1/namespaces/prod').length, 1, 'the second lookup came from the cache');
    assert.deepEqual(await cluster.secretPublicKeys({ name: 'release-key' }), [publicPem]);
    await assert.rejects(cluster.secretPublicKeys({ name: 'missing' }), /HTTP 404/);
  });

  test('a namespaceSelector policy applies by the labels read from the API; unreadable labels deny', async () => {
    const policies = parsePolicySources([
      {
        file: 'p.yaml',
        text: 'apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: prod-pinned}\nspec:\n  images: ["**"]\n  mutateDigest: false\n  namespaceSelector:\n    matchLabels: {env: prod}\n  references: {requireDigest: true}\n',
      },
    ]).policies;
    const facts: FactProvider = { gather: async (r) => ({ ref: r.ref, signatures: [], attestations: [], errors: [] }) };
    const controller = new AdmissionController({ policySet: () => ({ policies, version: 'v1' }), facts, deadlineMs: 2000, namespaceLabels: (ns, s) => cluster.namespaceLabels(ns, s) });
    const review = (ns: string) =>
      parseAdmissionReview(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { uid: ns, kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: ns, object: { kind: 'Pod', spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } } },
        }),
      );
    const prod = await controller.admit(review('prod'), 'validate');
    assert.equal(prod.body.response.allowed, false);
    assert.match(prod.body.response.status!.message, /prod-pinned\/references\/requireDigest/);
    assert.equal((await controller.admit(review('dev'), 'validate')).body.response.allowed, true);
    failNamespaces = true;
    const unknown = await controller.admit(review('staging'), 'validate');
    assert.equal(unknown.body.response.allowed, false);
    assert.match(unknown.body.response.status!.message, /labels of namespace staging could not be read/);
    failNamespaces = false;
  });
});
