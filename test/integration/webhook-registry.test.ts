/**
 * The webhook against images in a real CNCF distribution registry (started by the harness): AdmissionReviews POSTed
 * over HTTPS as kube-apiserver sends them; images signed with Tollgate's own signer (src/sign, cosign's formats) and
 * verified by the webhook's live fact provider. Expected digests are the ones the push returned (computed by the test
 * image builder from the bytes), never the webhook's; patches are applied with fast-json-patch (a JSON Patch
 * implementation independent of ours) to the object that was sent.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import fastJsonPatch from 'fast-json-patch';
import { LiveFactProvider, type AuditRecord } from '../../src/admission/index.js';
import { RegistryClient } from '../../src/oci/index.js';
import { attestImage, signImage, type Signer } from '../../src/sign/index.js';
import { AuditLog, PolicyStore, WebhookServer } from '../../src/server/index.js';
import { makeTestCerts } from '../support/certs.js';
import { buildImage, buildIndex, buildLayer, makeTar } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const { applyPatch } = fastJsonPatch;

interface Reply {
  status: number;
  json: unknown;
  text: string;
}

function request(port: number, ca: Buffer, method: string, pathName: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: pathName, method, ca, headers: body !== undefined ? { 'content-type': 'application/json' } : {} }, (res) => {
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

interface ReviewReply {
  apiVersion: string;
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[]; patch?: string; patchType?: string };
}

function pemOf(k: KeyObject): string {
  return k.export({ type: 'spki', format: 'pem' }).toString();
}

function testSigner(name: string): { signer: Signer; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signer: { algorithm: 'ecdsa-p256-sha256', description: `${name}.key`, publicKey: async () => publicKey, sign: async (d) => cryptoSign('sha256', d, privateKey) },
    publicPem: pemOf(publicKey),
  };
}

function indent(text: string, n: number): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');
}

let uidCounter = 0;
function podReview(o: {
  images: { containers?: string[]; initContainers?: string[]; ephemeralContainers?: string[] };
  operation?: 'CREATE' | 'UPDATE';
  oldImages?: { containers?: string[]; initContainers?: string[]; ephemeralContainers?: string[] };
  subResource?: string;
  dryRun?: boolean;
  namespace?: string;
}): { body: string; uid: string; object: Record<string, unknown> } {
  const spec = (imgs: NonNullable<typeof o.images>) => {
    const s: Record<string, unknown> = {};
    for (const [field, list] of Object.entries(imgs)) s[field] = (list as string[]).map((image, i) => ({ name: `${field.replace('Containers', '')}-${i}`.replace(/^containers/, 'c'), image }));
    return s;
  };
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: o.namespace ?? 'apps' }, spec: spec(o.images) };
  const uid = `uid-${++uidCounter}`;
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      ...(o.subResource ? { subResource: o.subResource } : {}),
      name: 'p',
      namespace: o.namespace ?? 'apps',
      operation: o.operation ?? 'CREATE',
      userInfo: { username: 'tester' },
      object,
      oldObject: o.oldImages ? { ...object, spec: spec(o.oldImages) } : null,
      dryRun: o.dryRun ?? false,
    },
  };
  return { body: JSON.stringify(review), uid, object };
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('webhook against a real registry: references, signatures, mutation, cache, failure policy', () => {
  let reg: TestRegistry;
  let dir: string;
  let ca: Buffer;
  let server: WebhookServer;
  let client: RegistryClient;
  let webhookClient: RegistryClient;
  let policyFile: string;
  const audit: AuditRecord[] = [];
  const alice = testSigner('alice');
  const oldKey = testSigner('old');
  const digests: Record<string, string> = {};
  let indexDigest: string;
  let platformDigests: string[];

  const H = () => reg.host;
  const post = async (body: string, endpoint = '/validate') => {
    const r = await request(server.port, ca, 'POST', endpoint, body);
    assert.equal(r.status, 200, r.text);
    return r.json as ReviewReply;
  };
  const metrics = async () => (await request(server.port, ca, 'GET', '/metrics')).text;

  async function pushDistinct(repoTag: string): Promise<string> {
    const image = buildImage([await buildLayer(await makeTar([{ path: 'id', content: `${repoTag}\n` }]))]);
    const digest = await pushImage(client, `${H()}/${repoTag}`, { image });
    assert.equal(digest, image.manifestDigest);
    return digest;
  }

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-reg-'));
    client = new RegistryClient({ dockerConfigDir: path.join(dir, 'no-docker-config') });
    for (const repoTag of ['team/app:1.0', 'team/app:latest', 'team/unsigned:1.0', 'team/burst:1.0', 'team/debug:1.0', 'strict/a:1.0', 'lenient/a:1.0', 'rotated/a:1.0', 'team/dry:1.0', 'attested/a:1.0', 'attested/b:1.0', 'wrongbuilder/a:1.0']) {
      digests[repoTag] = await pushDistinct(repoTag);
    }
    for (const signed of ['team/app:1.0', 'team/app:latest', 'team/burst:1.0', 'team/debug:1.0', 'strict/a:1.0', 'lenient/a:1.0', 'team/dry:1.0']) {
      await signImage({ image: `${H()}/${signed}`, signer: alice.signer, registry: client, form: 'legacy' });
    }
    await signImage({ image: `${H()}/rotated/a:1.0`, signer: oldKey.signer, registry: client, form: 'legacy' });
    // SLSA provenance v0.2 from sigstore-js's test data (interop/attestations), attested by alice in both forms.
    const statement = JSON.parse(readFileSync(shared('interop/attestations/predicates/statement-slsa-provenance-v0.2.json'), 'utf8')) as { predicate: unknown };
    for (const img of ['attested/a:1.0', 'wrongbuilder/a:1.0']) {
      await attestImage({ image: `${H()}/${img}`, signer: alice.signer, type: 'slsaprovenance', predicate: Buffer.from(JSON.stringify(statement.predicate)), registry: client });
    }
    const amd = buildImage([await buildLayer(await makeTar([{ path: 'amd', content: 'amd64\n' }]))]);
    const arm = buildImage([await buildLayer(await makeTar([{ path: 'arm', content: 'arm64\n' }]))], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const index = buildIndex([amd, arm]);
    indexDigest = await pushImage(client, `${H()}/multi/app:1`, { index });
    platformDigests = [amd.manifestDigest, arm.manifestDigest];
    await pushImage(client, `${H()}/multiplat/app:1`, { index });
    // The index only, in both repositories: `signedManifest: index` admits it, `platform` does not.
    await signImage({ image: `${H()}/multi/app:1`, signer: alice.signer, registry: client, form: 'legacy' });
    await signImage({ image: `${H()}/multiplat/app:1`, signer: alice.signer, registry: client, form: 'legacy' });
    // The same index signed recursively (each platform manifest too) in another repository.
    await pushImage(client, `${H()}/multiplat/each:1`, { index });
    await signImage({ image: `${H()}/multiplat/each:1`, signer: alice.signer, registry: client, form: 'legacy', recursive: true });

    const aliceKey = indent(alice.publicPem, 10);
    const oldPem = indent(oldKey.publicPem, 10);
    const policy = `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: team}
spec:
  images: ["${H()}/team/**"]
  references: {forbidLatest: true}
  authorities:
    - name: alice
      key:
        data: |
${aliceKey}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: strict}
spec:
  images: ["${H()}/strict/**"]
  failurePolicy: Fail
  authorities:
    - name: alice
      key:
        data: |
${aliceKey}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: lenient}
spec:
  images: ["${H()}/lenient/**"]
  failurePolicy: Ignore
  authorities:
    - name: alice
      key:
        data: |
${aliceKey}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: rotated}
spec:
  images: ["${H()}/rotated/**"]
  authorities:
    - name: retired
      validUntil: "2020-01-01T00:00:00Z"
      key:
        data: |
${oldPem}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: multi-index}
spec:
  images: ["${H()}/multi/**"]
  signedManifest: index
  authorities:
    - name: alice
      key:
        data: |
${aliceKey}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: provenance}
spec:
  images: ["${H()}/attested/**"]
  authorities:
    - name: alice
      attestationsOnly: true
      key:
        data: |
${aliceKey}
  attestations:
    - name: slsa
      predicateType: slsaprovenance
      policy:
        conditions:
          - path: $.predicate.builder.id
            equals: https://github.com/actions/runner
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: other-builder}
spec:
  images: ["${H()}/wrongbuilder/**"]
  authorities:
    - name: alice
      attestationsOnly: true
      key:
        data: |
${aliceKey}
  attestations:
    - name: slsa
      predicateType: https://slsa.dev/provenance/v0.2
      policy:
        conditions:
          - path: $.predicate.builder.id
            equals: https://builder.example.com/trusted
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: multi-platform}
spec:
  images: ["${H()}/multiplat/**"]
  signedManifest: platform
  authorities:
    - name: alice
      key:
        data: |
${aliceKey}
`;
    policyFile = path.join(dir, 'policy.yaml');
    await writeFile(policyFile, policy);
    const certs = await makeTestCerts(path.join(dir, 'certs'));
    ca = readFileSync(certs.tlsCert);
    const store = new PolicyStore(policyFile);
    webhookClient = new RegistryClient({ dockerConfigDir: path.join(dir, 'no-docker-config'), retries: 1, retryBaseMs: 20, timeoutMs: 2000 });
    const facts = new LiveFactProvider({ registry: webhookClient, policyVersion: () => store.get().version, negativeTtlMs: 60_000 });
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) audit.push(JSON.parse(line) as AuditRecord);
        cb();
      },
    });
    server = new WebhookServer({ policies: store, tlsCertFile: certs.tlsCert, tlsKeyFile: certs.tlsKey, facts, port: 0, host: '127.0.0.1', timeoutMs: 8000, audit: new AuditLog(sink), log: () => undefined });
    await server.start();
  });

  after(async () => {
    await server?.close();
    await client?.close();
    await webhookClient?.close();
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a signed image by tag is admitted and /mutate pins every container kind to its digest', async () => {
    const app = `${H()}/team/app:1.0`;
    const { body, object, uid } = podReview({ images: { initContainers: [app], containers: [app, app], ephemeralContainers: [app] } });
    const v = await post(body);
    assert.equal(v.response.uid, uid);
    assert.equal(v.response.allowed, true, JSON.stringify(v));
    assert.equal(v.response.patch, undefined, '/validate never patches');

    const m = await post(body, '/mutate');
    assert.equal(m.response.allowed, true);
    assert.equal(m.response.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(m.response.patch!, 'base64').toString('utf8')) as fastJsonPatch.Operation[];
    const patched = applyPatch(structuredClone(object), ops, true, false).newDocument as { spec: Record<string, { image: string }[]> };
    const pinned = `${app}@${digests['team/app:1.0']}`;
    assert.deepEqual(
      ['initContainers', 'containers', 'ephemeralContainers'].flatMap((f) => patched.spec[f]!.map((c) => c.image)),
      [pinned, pinned, pinned, pinned],
    );
    // Only image fields change.
    const { spec: _a, ...restPatched } = patched;
    const { spec: _b, ...restOriginal } = object;
    assert.deepEqual(restPatched, restOriginal);
    const rec = audit.at(-1)!;
    assert.equal(rec.patched, 4);
    assert.deepEqual([...new Set(rec.images.map((i) => i.digest))], [digests['team/app:1.0']]);
  });

  test('a patch is refused by a JSON Patch library if the object changed under it (test operations)', async () => {
    const app = `${H()}/team/app:1.0`;
    const { body, object } = podReview({ images: { containers: [app] } });
    const m = await post(body, '/mutate');
    const ops = JSON.parse(Buffer.from(m.response.patch!, 'base64').toString('utf8')) as fastJsonPatch.Operation[];
    const changed = structuredClone(object) as { spec: { containers: { image: string }[] } };
    changed.spec.containers[0]!.image = 'evil/other:1';
    assert.throws(() => applyPatch(changed, ops, true, false), /Test operation failed/);
  });

  test(':latest is denied, naming image and rule; no patch on a denied object', async () => {
    const latest = `${H()}/team/app:latest`;
    const { body } = podReview({ images: { containers: [`${H()}/team/app:1.0`, latest] } });
    const m = await post(body, '/mutate');
    assert.equal(m.response.allowed, false);
    assert.equal(m.response.patch, undefined);
    assert.equal(m.response.status?.code, 403);
    assert.match(m.response.status!.message, new RegExp(`image ${latest.replace(/[.]/g, '\\.')} \\(container c-1\\): team/references/forbidLatest`));
  });

  test('an unsigned image is denied (signatures rule named); a digest reference needs no tag lookup', async () => {
    const unsigned = `${H()}/team/unsigned:1.0`;
    const r = await post(podReview({ images: { containers: [unsigned] } }).body);
    assert.equal(r.response.allowed, false);
    assert.match(r.response.status!.message, /team\/unsigned:1\.0 \(container c-0\): team\/signatures/);
    const byDigest = `${H()}/team/app@${digests['team/app:1.0']}`;
    const d = await post(podReview({ images: { containers: [byDigest] } }).body, '/mutate');
    assert.equal(d.response.allowed, true, JSON.stringify(d));
    assert.equal(d.response.patch, undefined, 'already pinned: nothing to patch');
  });

  test('repeat requests are answered from the cache; concurrent identical ones verify once', async () => {
    const before = await metrics();
    const hits0 = metric(before, 'tollgate_cache_hits_total', '{cache="facts"}');
    const ver0 = metric(before, 'tollgate_verifications_total');
    const burst = `${H()}/team/burst:1.0`;
    const replies = await Promise.all(Array.from({ length: 12 }, () => post(podReview({ images: { containers: [burst] } }).body)));
    assert.ok(replies.every((r) => r.response.allowed));
    const mid = await metrics();
    assert.equal(metric(mid, 'tollgate_verifications_total') - ver0, 1, 'twelve concurrent requests, one verification');
    await post(podReview({ images: { containers: [burst] } }).body);
    const after = await metrics();
    assert.equal(metric(after, 'tollgate_verifications_total') - ver0, 1);
    assert.ok(metric(after, 'tollgate_cache_hits_total', '{cache="facts"}') > hits0, 'the repeat was a cache hit');
  });

  test('an UPDATE that changes no image is admitted without verification; one that adds an image is checked', async () => {
    const ver0 = metric(await metrics(), 'tollgate_verifications_total');
    const unsigned = `${H()}/team/unsigned:1.0`;
    // Even an image that would be denied today: it is already running, the update does not touch it.
    const same = await post(podReview({ operation: 'UPDATE', images: { containers: [unsigned] }, oldImages: { containers: [unsigned] } }).body);
    assert.equal(same.response.allowed, true);
    assert.equal(audit.at(-1)!.skipped, 'unchanged');
    assert.equal(metric(await metrics(), 'tollgate_verifications_total'), ver0);
    const changed = await post(podReview({ operation: 'UPDATE', images: { containers: [`${H()}/team/app:1.0`, unsigned] }, oldImages: { containers: [`${H()}/team/app:1.0`] } }).body);
    assert.equal(changed.response.allowed, false);
  });

  test('kubectl debug (pods/ephemeralcontainers): the new ephemeral container is verified and pinned', async () => {
    const running = `${H()}/team/unsigned:1.0`;
    const debug = `${H()}/team/debug:1.0`;
    const ok = podReview({ operation: 'UPDATE', subResource: 'ephemeralcontainers', images: { containers: [running], ephemeralContainers: [debug] }, oldImages: { containers: [running] } });
    const m = await post(ok.body, '/mutate');
    assert.equal(m.response.allowed, true, JSON.stringify(m));
    const ops = JSON.parse(Buffer.from(m.response.patch!, 'base64').toString('utf8')) as fastJsonPatch.Operation[];
    assert.deepEqual(ops.map((o) => o.path), ['/spec/ephemeralContainers/0/image', '/spec/ephemeralContainers/0/image']);
    const patched = applyPatch(structuredClone(ok.object), ops, true, false).newDocument as { spec: { ephemeralContainers: { image: string }[]; containers: { image: string }[] } };
    assert.equal(patched.spec.ephemeralContainers[0]!.image, `${debug}@${digests['team/debug:1.0']}`);
    assert.equal(patched.spec.containers[0]!.image, running);
    const bad = podReview({ operation: 'UPDATE', subResource: 'ephemeralcontainers', images: { containers: [running], ephemeralContainers: [running, `${H()}/team/app:latest`] }, oldImages: { containers: [running] } });
    const d = await post(bad.body, '/mutate');
    assert.equal(d.response.allowed, false);
    assert.match(d.response.status!.message, /\(ephemeralContainer ephemeral-0\): team\/signatures/);
    assert.match(d.response.status!.message, /\(ephemeralContainer ephemeral-1\): team\/references\/forbidLatest/);
  });

  test('a key outside its validity window does not count (key rotation)', async () => {
    const r = await post(podReview({ images: { containers: [`${H()}/rotated/a:1.0`] } }).body);
    assert.equal(r.response.allowed, false, JSON.stringify(r));
    assert.match(r.response.status!.message, /rotated\/signatures/);
    // Denied for the window, not for a signature that failed to verify.
    assert.match(r.response.status!.message, /trusted only -∞ \.\. 2020-01-01/);
  });

  test('multi-arch: a signature on the index satisfies signedManifest index, not platform', async () => {
    const idx = await post(podReview({ images: { containers: [`${H()}/multi/app:1`] } }).body, '/mutate');
    assert.equal(idx.response.allowed, true, JSON.stringify(idx));
    const ops = JSON.parse(Buffer.from(idx.response.patch!, 'base64').toString('utf8')) as { value: string }[];
    assert.equal(ops.at(-1)!.value, `${H()}/multi/app:1@${indexDigest}`, 'pinned to the index, so every platform keeps working');
    assert.deepEqual(Object.values(audit.at(-1)!.images.map((i) => i.digest)), [indexDigest]);
    const plat = await post(podReview({ images: { containers: [`${H()}/multiplat/app:1`] } }).body);
    assert.equal(plat.response.allowed, false, JSON.stringify(plat));
    assert.match(plat.response.status!.message, /multi-platform\/signatures/);
    const each = await post(podReview({ images: { containers: [`${H()}/multiplat/each:1`] } }).body);
    assert.equal(each.response.allowed, true, JSON.stringify(each));
    assert.equal(platformDigests.length, 2);
  });

  test('attestations: a signed SLSA provenance whose builder matches admits; missing or another builder denies', async () => {
    const ok = await post(podReview({ images: { containers: [`${H()}/attested/a:1.0`] } }).body);
    assert.equal(ok.response.allowed, true, JSON.stringify(ok));
    const missing = await post(podReview({ images: { containers: [`${H()}/attested/b:1.0`] } }).body);
    assert.equal(missing.response.allowed, false);
    assert.match(missing.response.status!.message, /attested\/b:1\.0 \(container c-0\): provenance\/attestations\/slsa/);
    const wrong = await post(podReview({ images: { containers: [`${H()}/wrongbuilder/a:1.0`] } }).body);
    assert.equal(wrong.response.allowed, false);
    assert.match(wrong.response.status!.message, /other-builder\/attestations\/slsa: .*builder\.id/);
  });

  test('dryRun requests get the same decision, marked in the audit log', async () => {
    const r = await post(podReview({ dryRun: true, images: { containers: [`${H()}/team/dry:1.0`] } }).body, '/mutate');
    assert.equal(r.response.allowed, true);
    assert.ok(r.response.patch);
    assert.equal(audit.at(-1)!.dryRun, true);
  });

  test('malformed requests get HTTP 400 (or 405/415) and the server keeps serving', async () => {
    const cases: [string, string | undefined, number][] = [
      ['POST', '{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"uid": ', 400],
      ['POST', '[]', 400],
      ['POST', '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v2","request":{"uid":"x"}}', 400],
      ['POST', '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"x","operation":"CREATE"}}', 400],
      ['GET', undefined, 405],
    ];
    for (const [method, body, status] of cases) {
      const r = await request(server.port, ca, method, '/validate', body);
      assert.equal(r.status, status, `${body}: ${r.text}`);
      assert.equal(typeof (r.json as { error: unknown }).error, 'string');
    }
    const wrongType = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: server.port, path: '/validate', method: 'POST', ca, headers: { 'content-type': 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('hello');
    });
    assert.equal(wrongType, 415);
    // A pod without an image, and a Deployment without a template: denied with 400 inside the review.
    const noImage = JSON.parse(podReview({ images: { containers: [`${H()}/team/app:1.0`] } }).body) as { request: { object: { spec: { containers: Record<string, unknown>[] } } } };
    delete noImage.request.object.spec.containers[0]!.image;
    const r = await post(JSON.stringify(noImage));
    assert.equal(r.response.allowed, false);
    assert.equal(r.response.status?.code, 400);
    const ok = await post(podReview({ images: { containers: [`${H()}/team/app:1.0`] } }).body);
    assert.equal(ok.response.allowed, true);
    const healthz = await request(server.port, ca, 'GET', '/healthz');
    assert.equal(healthz.status, 200);
    assert.ok(metric(await metrics(), 'tollgate_admission_bad_requests_total', '{code="400"}') >= 4);
  });

  test('metrics: decisions by result and mode, latency histogram, cache, policies, readiness', async () => {
    const text = await metrics();
    assert.match(text, /^# TYPE tollgate_admission_decisions_total counter$/m);
    assert.ok(metric(text, 'tollgate_admission_decisions_total', '{endpoint="validate",result="deny",mode="enforce"}') >= 3);
    assert.ok(metric(text, 'tollgate_admission_decisions_total', '{endpoint="mutate",result="allow",mode="enforce"}') >= 3);
    assert.match(text, /^# TYPE tollgate_admission_duration_seconds histogram$/m);
    const count = metric(text, 'tollgate_admission_duration_seconds_count', '{endpoint="validate"}');
    assert.equal(metric(text, 'tollgate_admission_duration_seconds_bucket', '{endpoint="validate",le="+Inf"}'), count);
    assert.ok(count > 5);
    assert.ok(metric(text, 'tollgate_cache_misses_total', '{cache="facts"}') >= 1);
    assert.equal(metric(text, 'tollgate_policies_loaded'), 8);
    assert.equal(metric(text, 'tollgate_ready'), 1);
    // Every sample line is `name{labels} value` or a comment: the exposition format's grammar.
    for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="[^"]*",?)*\})? -?[\d.e+]+|\w+(\{.*\})? \+Inf)$/, line);
  });

  // Last: stops the registry.
  test('registry down: failurePolicy Fail denies, Ignore admits; cached verdicts still serve', async () => {
    await reg.stop();
    const strict = await post(podReview({ images: { containers: [`${H()}/strict/a:1.0`] } }).body);
    assert.equal(strict.response.allowed, false, JSON.stringify(strict));
    assert.match(strict.response.status!.message, /strict\/signatures: could not be checked/);
    const lenient = await post(podReview({ images: { containers: [`${H()}/lenient/a:1.0`] } }).body, '/mutate');
    assert.equal(lenient.response.allowed, true, JSON.stringify(lenient));
    assert.equal(lenient.response.patch, undefined, 'nothing resolved, nothing pinned');
    const lenientAudit = audit.at(-1)!;
    assert.ok(lenientAudit.rules.some((r) => r.result === 'skip' && /failurePolicy Ignore/.test(r.message)), JSON.stringify(lenientAudit));
    // The digest reference verified earlier is still admitted from the cache.
    const cached = await post(podReview({ images: { containers: [`${H()}/team/app@${digests['team/app:1.0']}`] } }).body);
    assert.equal(cached.response.allowed, true);
    const text = await metrics();
    assert.ok(metric(text, 'tollgate_registry_errors_total', '{code="NETWORK"}') >= 1, text);
  });
});
