/**
 * Every AdmissionReview sample of ../shared/data/interop/admission (connaisseur's test requests, Kyverno's), POSTed
 * over real HTTPS to the running webhook as kube-apiserver sends them, with the outcome each must get. The policy is
 * written here with reference rules (no :latest) and static authorities for connaisseur's my.reg/deny-me and
 * my.reg/allow-me images, so every expected outcome follows by hand from the image references listed in
 * interop/admission/index.json: an image with neither a digest nor a tag other than `latest` is denied.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import type { AuditRecord } from '../../src/admission/index.js';
import type { FactProvider, FactRequest, ImageFacts } from '../../src/core/index.js';
import { AuditLog, PolicyStore, WebhookServer } from '../../src/server/index.js';
import { makeTestCerts } from '../support/certs.js';
import { shared } from '../support/paths.js';

const POLICY = `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata:
  name: no-latest
spec:
  images: ["**"]
  mutateDigest: false
  references:
    forbidLatest: true
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata:
  name: deny-me
spec:
  images: ["my.reg/deny-me"]
  mutateDigest: false
  authorities:
    - name: never
      static:
        action: fail
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata:
  name: allow-me
spec:
  images: ["my.reg/allow-me"]
  mutateDigest: false
  authorities:
    - name: always
      static:
        action: pass
`;

export interface Reply {
  status: number;
  json: unknown;
  text: string;
}

export function post(port: number, ca: Buffer, pathName: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: pathName, method: 'POST', ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Counts gather calls: these samples' images are never looked up in a registry (reference rules need no facts). */
class RecordingProvider implements FactProvider {
  calls: FactRequest[] = [];
  async gather(request: FactRequest): Promise<ImageFacts> {
    this.calls.push(request);
    return { ref: request.ref, signatures: [], attestations: [], errors: [{ stage: 'resolve', code: 'UNEXPECTED', message: 'no registry in this test' }] };
  }
}

type Expect =
  | { http400: true }
  | { allowed: true; skipped?: string }
  | { allowed: false; code?: number; mentions: string[] };

const CONNAISSEUR: Record<string, Expect> = {
  '01_deployment.json': { allowed: true },
  '02_pod.json': { allowed: true },
  '03_replicaset.json': { allowed: true },
  '04_cronjob.json': { allowed: false, mentions: ['busybox', 'container yooob', 'no-latest/references/forbidLatest'] },
  '05_replication_controller.json': { allowed: false, mentions: ['nginx', 'no-latest/references/forbidLatest'] },
  // kube-system is excluded by the server (as the webhook configuration's namespaceSelector does).
  '06_daemonset.json': { allowed: true, skipped: 'excluded-namespace' },
  '07_statefulset.json': { allowed: true },
  '08_job.json': { allowed: true },
  '09_dply_multi_image.json': { allowed: true },
  '10_update.json': { allowed: true, skipped: 'unchanged' },
  '11_role.json': { allowed: true, skipped: 'kind' },
  '12_err_pod.json': { allowed: false, code: 400, mentions: ['cannot read the Pod', 'no pod spec'] },
  '13_unknown_parent.json': { allowed: true },
  '14_deny_me_job.json': { allowed: false, mentions: ['my.reg/deny-me@sha256:91ac9b26', 'deny-me/signatures'] },
  '15_allow_me_job.json': { allowed: true },
  '16_mismatch_uid.json': { allowed: true },
  '17_deny_me_pod.json': { allowed: false, mentions: ['my.reg/deny-me@sha256:91ac9b26', 'deny-me/signatures'] },
  '18_allow_me_pod.json': { allowed: true },
  '19_pod_initcontainer.json': { allowed: false, mentions: ['image nginx (initContainer my-initcontainer)', 'forbidLatest'] },
  '20_pod_ephemeralcontainer.json': { allowed: false, mentions: ['image nginx (ephemeralContainer my-initcontainer)', 'forbidLatest'] },
  '21_broken_admission_request.json': { http400: true },
  '22_allow_me_with_index_docker_io.json': { allowed: false, mentions: ['test-image', 'forbidLatest'] },
  '23_alice_digest_dpl.json': { allowed: true },
  '24_alice_tag_digest_dpl.json': { allowed: true },
  '25_null_request.json': { http400: true },
  '26_broken_update_admission_request.json': { http400: true },
  '27_deleted_deployment.json': { allowed: false, mentions: ['busybox', 'forbidLatest'] },
  '28_deleted_deployment_updated.json': { allowed: true, skipped: 'unchanged' },
  '29_deleted_deployment_update_for_delete.json': { allowed: true, skipped: 'unchanged' },
};

const KYVERNO: Record<string, Expect> = {
  'pod-create-default-ns.request.json': { allowed: false, mentions: ['hello-world:latest', 'uses the :latest tag'] },
  'pod-create-kube-system.request.json': { allowed: true, skipped: 'excluded-namespace' },
};

describe('webhook: every interop AdmissionReview sample over HTTPS', () => {
  let dir: string;
  let ca: Buffer;
  let server: WebhookServer;
  const provider = new RecordingProvider();
  const audit: AuditRecord[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-'));
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    ca = readFileSync(certs.tlsCert);
    const policyFile = path.join(dir, 'policy.yaml');
    await writeFile(policyFile, POLICY);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) audit.push(JSON.parse(line) as AuditRecord);
        cb();
      },
    });
    server = new WebhookServer({
      policies: new PolicyStore(policyFile),
      tlsCertFile: certs.tlsCert,
      tlsKeyFile: certs.tlsKey,
      facts: provider,
      port: 0,
      host: '127.0.0.1',
      audit: new AuditLog(sink),
      excludeNamespaces: ['kube-system'],
      log: () => undefined,
    });
    await server.start();
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the expectation table covers every sample file', async () => {
    assert.deepEqual((await readdir(shared('interop/admission/connaisseur-requests'))).sort(), Object.keys(CONNAISSEUR).sort());
    assert.deepEqual((await readdir(shared('interop/admission/kyverno-requests'))).sort(), Object.keys(KYVERNO).sort());
  });

  async function check(name: string, body: string, expect: Expect, requestApiVersion: string | undefined, uid: string | undefined) {
    for (const endpoint of ['/validate', '/mutate']) {
      const before = audit.length;
      const r = await post(server.port, ca, endpoint, body);
      if ('http400' in expect) {
        assert.equal(r.status, 400, `${name} ${endpoint}: ${r.text}`);
        assert.equal(typeof (r.json as { error?: unknown }).error, 'string', r.text);
        assert.equal(audit.length, before, 'no decision is logged for a request that has none');
        continue;
      }
      assert.equal(r.status, 200, `${name} ${endpoint}: ${r.text}`);
      const review = r.json as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; status?: { code: number; message: string }; patch?: string; patchType?: string } };
      assert.equal(review.kind, 'AdmissionReview');
      assert.equal(review.apiVersion, requestApiVersion, `${name}: the response echoes the request's apiVersion`);
      assert.equal(review.response.uid, uid, `${name}: the response echoes the uid`);
      assert.equal(review.response.allowed, expect.allowed, `${name} ${endpoint}: ${r.text}`);
      assert.equal(review.response.patch, undefined, `${name}: no patch (mutateDigest is off)`);
      const rec = audit.at(-1)!;
      assert.equal(audit.length, before + 1, 'one audit line per decision');
      assert.equal(rec.uid, uid);
      assert.equal(rec.decision, expect.allowed ? 'allow' : 'deny');
      if (expect.allowed) {
        assert.equal(review.response.status, undefined);
        assert.equal(rec.skipped, expect.skipped, `${name}: ${JSON.stringify(rec)}`);
      } else {
        assert.equal(review.response.status?.code, expect.code ?? 403);
        for (const m of expect.mentions) assert.ok(review.response.status!.message.includes(m), `${name}: ${JSON.stringify(m)} not in ${review.response.status!.message}`);
      }
    }
  }

  for (const [file, expect] of Object.entries(CONNAISSEUR)) {
    test(`connaisseur ${file}`, async () => {
      const body = readFileSync(shared('interop/admission/connaisseur-requests', file), 'utf8');
      const parsed = JSON.parse(body) as { apiVersion?: string; request?: { uid?: string } } | null;
      await check(file, body, expect, parsed?.apiVersion, parsed?.request?.uid);
    });
  }

  for (const [file, expect] of Object.entries(KYVERNO)) {
    test(`kyverno ${file}`, async () => {
      // Kyverno keeps the bare AdmissionRequest; the API server wraps it in an AdmissionReview.
      const request = JSON.parse(readFileSync(shared('interop/admission/kyverno-requests', file), 'utf8')) as { uid: string };
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
      await check(file, body, expect, 'admission.k8s.io/v1', request.uid);
    });
  }

  test('reference rules need no registry: the fact provider was never asked', () => {
    assert.deepEqual(provider.calls, []);
  });

  test('the server still serves after all the broken samples', async () => {
    const ok = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: server.port, path: '/healthz', ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(ok, 200);
  });
});
