/**
 * `tollgate policy test` on multi-document manifests: Pods and the pod templates of every workload kind, with
 * containers, initContainers and ephemeralContainers. One manifest is written here; another is made of the objects
 * of the real AdmissionReview samples in ../shared/data/interop/admission/connaisseur-requests (their
 * `request.object`, with the request's namespace filled in where the object has none, as kubectl would). Reference
 * rules decide without a registry; signature facts come from an injected FactProvider standing in for the live one.
 * The expected verdict of each object is worked out by hand from its images (listed in the samples' index.json).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { FactProvider, FactRequest, ImageFacts } from '../../src/core/index.js';
import { runPolicyTest } from '../../src/cli/commands/policy.js';
import { publicKeyId, readManifests, workloadImages } from '../../src/policy/index.js';
import { RegistryClient } from '../../src/oci/index.js';
import { signImage, type Signer } from '../../src/sign/index.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { validateSarif, errorsText } from '../../src/report/schema-validators.test.js';
import { shared } from '../support/paths.js';
import { captureOutput } from './policy-support.js';

const NOW = new Date('2025-03-01T00:00:00Z');
const ADMISSION = shared('interop', 'admission', 'connaisseur-requests');
const SAMPLES = [
  '01_deployment.json',
  '02_pod.json',
  '03_replicaset.json',
  '04_cronjob.json',
  '05_replication_controller.json',
  '06_daemonset.json',
  '07_statefulset.json',
  '08_job.json',
  '09_dply_multi_image.json',
  '19_pod_initcontainer.json',
  '20_pod_ephemeralcontainer.json',
  '22_allow_me_with_index_docker_io.json',
  '23_alice_digest_dpl.json',
  '24_alice_tag_digest_dpl.json',
];
const CHARLIE = 'securesystemsengineering/charlie-image@sha256:91ac9b26df583762234c1cdb2fc930364754ccc59bc752a2bfe298d2ea68f9ff';
const KEY_PEM = readFileSync(shared('interop', 'cosign-keys', 'sigstore-test.pub'), 'utf8');
const KEY_ID = publicKeyId(KEY_PEM) as string;

const POLICIES = `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: no-latest}
spec:
  images: ["**"]
  references: {forbidLatest: true}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: signed-sse}
spec:
  images: ["securesystemsengineering/**"]
  authorities:
    - name: sse
      key:
        data: |
${KEY_PEM.trim()
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: hub-only}
spec:
  images: ["**"]
  mode: audit
  references: {allowedRegistries: [docker.io]}
---
apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: prod-pinned}
spec:
  images: ["**"]
  namespaceSelector: {matchLabels: {env: prod}}
  mode: warn
  references: {requireDigest: true}
`;

const WORKLOADS = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {env: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec:
  initContainers:
    - name: setup
      image: busybox:1.36
  containers:
    - name: app
      image: ghcr.io/acme/shop:2.1
  ephemeralContainers:
    - name: shell
      image: busybox
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: job
              image: docker.io/library/alpine:3.19
          restartPolicy: Never
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
---
apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: migrate}
    spec:
      template:
        spec:
          containers:
            - name: migrate
              image: ${CHARLIE}
`;

/** Stands in for the webhook's live provider: verified signatures by the test key, for charlie only. */
class RecordingProvider implements FactProvider {
  requests: FactRequest[] = [];
  async gather(request: FactRequest): Promise<ImageFacts> {
    this.requests.push(request);
    const signed = request.ref === CHARLIE;
    return {
      ref: request.ref,
      resolvedDigest: `sha256:${'0'.repeat(64)}`,
      signatures: signed ? [{ kind: 'cosign', keyId: KEY_ID, verifiedAt: NOW.toISOString() }] : [],
      attestations: [],
      errors: [],
    };
  }
}

let dir: string;
let policyFile: string;
let workloadsFile: string;
let admissionFile: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-policy-test-'));
  policyFile = path.join(dir, 'policies.yaml');
  workloadsFile = path.join(dir, 'workloads.yaml');
  admissionFile = path.join(dir, 'admission.yaml');
  await writeFile(policyFile, POLICIES);
  await writeFile(workloadsFile, WORKLOADS);
  const docs = SAMPLES.map((f) => {
    const review = JSON.parse(readFileSync(path.join(ADMISSION, f), 'utf8')) as { request: { namespace?: string; object: { metadata?: Record<string, unknown> } } };
    const o = review.request.object;
    o.metadata = { ...(o.metadata ?? {}), name: o.metadata?.name ?? f.replace(/\.json$/, ''), namespace: o.metadata?.namespace ?? review.request.namespace };
    return stringify(o);
  });
  await writeFile(admissionFile, docs.join('---\n'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface JsonOut {
  summary: { objects: number; denied: number; admitted: number; admittedWithWarnings: number };
  objects: { file: string; line: number; kind: string; namespace: string; name: string; allowed: boolean; message?: string; results: { image: string; container: string; kind: string; policy: string; rule: string; mode: string; result: string; message: string }[] }[];
}

async function run(files: string[], opts: Partial<Parameters<typeof runPolicyTest>[1]> = {}, provider?: FactProvider) {
  const out = captureOutput();
  const code = await runPolicyTest(files, { policy: [policyFile], format: 'json', ...opts }, { output: out, now: NOW, ...(provider ? { factProvider: provider } : {}) });
  return { code, out, json: opts.format && opts.format !== 'json' ? undefined : out.stdout ? (JSON.parse(out.stdout) as JsonOut) : undefined };
}

describe('reading manifests', () => {
  test('every workload kind of the admission samples yields its images, with container kinds and JSON pointers', () => {
    const { objects } = readManifests(admissionFile, readFileSync(admissionFile, 'utf8'));
    const got = objects.map((o) => `${o.kind}: ${o.images.map((i) => `${i.kind[0]}:${i.ref}`).join(' ')}`);
    // Images as listed in ../shared/data/interop/admission/index.json (and read from the files).
    assert.deepEqual(got, [
      'Deployment: c:securesystemsengineering/alice-image:test',
      `Pod: c:${CHARLIE}`,
      'ReplicaSet: c:securesystemsengineering/sample-san-sama:hai',
      'CronJob: c:busybox',
      'ReplicationController: c:nginx',
      'DaemonSet: c:quay.io/fluentd_elasticsearch/fluentd:v2.5.2',
      'StatefulSet: c:registry.k8s.io/nginx-slim:0.8',
      'Job: c:perl:5.34.0',
      'Deployment: i:busybox:1.32 c:redis:alpine c:mysql:8',
      `Pod: i:nginx c:${CHARLIE}`,
      `Pod: c:${CHARLIE} e:nginx`,
      'Pod: c:test-image',
      'Deployment: c:securesystemsengineering/alice-image@sha256:1234567890123456123456789012345612345678901234561234567890123456',
      'Deployment: c:securesystemsengineering/alice-image:test@sha256:1234567890123456123456789012345612345678901234561234567890123456',
    ]);
    const cron = objects.find((o) => o.kind === 'CronJob')!;
    assert.equal(cron.images[0]!.pointer, '/spec/jobTemplate/spec/template/spec/containers/0/image');
    const eph = objects[10]!;
    assert.equal(eph.images[1]!.pointer, '/spec/ephemeralContainers/0/image');
  });

  test('the role and the broken pod of the samples: a kind without pod spec, and an object that is no object', () => {
    const role = JSON.parse(readFileSync(path.join(ADMISSION, '11_role.json'), 'utf8')) as { request: { object: unknown } };
    assert.deepEqual(workloadImages(role.request.object), { supported: false, images: [], problems: [] });
    // 12_err_pod.json's object is {"msg": "Expecting a Pod?"}.
    const err = JSON.parse(readFileSync(path.join(ADMISSION, '12_err_pod.json'), 'utf8')) as { request: { object: unknown } };
    assert.deepEqual(workloadImages(err.request.object), { supported: false, images: [], problems: ['not a Kubernetes object (no kind)'] });
    assert.deepEqual(workloadImages({ kind: 'Pod', spec: { containers: [{ name: 'a' }, { name: 'b', image: 'x:1' }], initContainers: 'oops' } }), {
      supported: true,
      images: [{ ref: 'x:1', container: 'b', kind: 'container', pointer: '/spec/containers/1/image' }],
      problems: ['/spec/initContainers is not a list', 'containers[0] (a) has no image'],
    });
  });

  test('kind: List items and the line of each image', () => {
    const { objects } = readManifests(workloadsFile, WORKLOADS);
    assert.deepEqual(objects.map((o) => [o.kind, o.name, o.line, o.supported]), [
      ['Namespace', 'shop', 1, false],
      ['Pod', 'debug', 7, true],
      ['CronJob', 'nightly', 21, true],
      ['ConfigMap', 'settings', 35, false],
      ['Job', 'migrate', 43, true],
    ]);
    assert.deepEqual(objects[1]!.imageLines, { 'initContainer/setup': 13, 'container/app': 16, 'ephemeralContainer/shell': 19 });
    assert.deepEqual(objects[4]!.imageLines, { 'container/migrate': 51 });
  });
});

describe('tollgate policy test', () => {
  test('the admission samples: verdicts per object, signature facts from the provider', async () => {
    const provider = new RecordingProvider();
    const { code, json } = await run([admissionFile], {}, provider);
    assert.equal(code, 1);
    const verdicts = json!.objects.map((o) => `${o.kind} ${o.allowed ? 'admit' : 'deny'}`);
    assert.deepEqual(verdicts, [
      'Deployment deny', // alice-image:test: no signature by sse
      'Pod admit', // charlie by digest, signed
      'ReplicaSet deny', // sample-san-sama: no signature
      'CronJob deny', // busybox = :latest
      'ReplicationController deny', // nginx = :latest
      'DaemonSet admit', // quay.io: only the audit policy fails
      'StatefulSet admit', // registry.k8s.io: likewise
      'Job admit',
      'Deployment admit', // busybox:1.32 (init), redis:alpine, mysql:8
      'Pod deny', // the init container nginx is :latest
      'Pod deny', // the ephemeral container nginx is :latest
      'Pod deny', // test-image = index.docker.io/library/test-image:latest
      'Deployment deny', // alice by digest: not signed
      'Deployment deny', // alice:test@digest: not signed
    ]);
    assert.deepEqual(json!.summary, { objects: 14, denied: 9, admitted: 5, admittedWithWarnings: 0 });
    const init = json!.objects[9]!;
    assert.equal(init.message, 'image nginx (initContainer my-initcontainer): no-latest/references/forbidLatest: has no tag, which means :latest and no digest');
    const daemon = json!.objects[5]!;
    assert.deepEqual(daemon.results.filter((r) => r.result === 'fail').map((r) => [r.policy, r.rule, r.mode]), [['hub-only', 'references/allowedRegistries', 'audit']]);
    // Only images under a signature rule went to the provider, each once: no digest resolution for the rest.
    assert.deepEqual(provider.requests.map((r) => r.ref).sort(), [
      'securesystemsengineering/alice-image:test',
      'securesystemsengineering/alice-image:test@sha256:1234567890123456123456789012345612345678901234561234567890123456',
      'securesystemsengineering/alice-image@sha256:1234567890123456123456789012345612345678901234561234567890123456',
      CHARLIE,
      'securesystemsengineering/sample-san-sama:hai',
    ]);
    assert.deepEqual(provider.requests.find((r) => r.ref === CHARLIE)!.signatures.map((s) => s.id), [`key:${KEY_ID}`]);
  });

  test('my workloads: namespaces from the manifests, warn mode, init and ephemeral containers, kind: List', async () => {
    const provider = new RecordingProvider();
    const { code, json, out } = await run([workloadsFile], {}, provider);
    assert.equal(code, 1);
    const pod = json!.objects.find((o) => o.name === 'debug')!;
    assert.equal(pod.namespace, 'shop');
    assert.equal(pod.allowed, false); // the ephemeral busybox is :latest
    // shop is labelled env=prod in the manifests: prod-pinned applies there, in warn mode.
    assert.deepEqual(pod.results.filter((r) => r.policy === 'prod-pinned').map((r) => [r.container, r.result, r.mode]), [['setup', 'fail', 'warn'], ['app', 'fail', 'warn'], ['shell', 'fail', 'warn']]);
    const cron = json!.objects.find((o) => o.name === 'nightly')!;
    assert.equal(cron.namespace, 'default');
    assert.equal(cron.allowed, true);
    assert.equal(cron.results.some((r) => r.policy === 'prod-pinned'), false);
    const job = json!.objects.find((o) => o.name === 'migrate')!;
    assert.equal(job.allowed, true);
    assert.deepEqual(job.results.find((r) => r.rule === 'signatures'), { image: CHARLIE, container: 'migrate', kind: 'container', policy: 'signed-sse', rule: 'signatures', mode: 'enforce', result: 'pass', message: 'verified: sse' });
    assert.match(out.stderr, /warning: ghcr\.io\/acme\/shop:2\.1: prod-pinned\/references\/requireDigest: not pinned by digest/);
    assert.equal(json!.objects.length, 3); // the Namespace and the ConfigMap are not evaluated
  });

  test('--offline: signature rules fail as "not verified (offline)", reference rules still decide', async () => {
    const { code, json } = await run([admissionFile], { offline: true });
    assert.equal(code, 1);
    const pod = json!.objects[1]!;
    assert.equal(pod.allowed, false);
    assert.deepEqual(pod.results.find((r) => r.rule === 'signatures')?.message, 'not verified (offline)');
    assert.equal(json!.objects[5]!.allowed, true);
  });

  test('all admitted: exit 0 (warnings and audit findings included)', async () => {
    const ok = path.join(dir, 'ok.yaml');
    await writeFile(ok, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n    - {name: c, image: "quay.io/x/y:1"}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n');
    const { code, json } = await run([ok]);
    assert.equal(code, 0);
    assert.deepEqual(json!.summary, { objects: 1, denied: 0, admitted: 1, admittedWithWarnings: 1 });
  });

  test('--unmatched deny', async () => {
    const only = path.join(dir, 'only-acme.yaml');
    await writeFile(only, 'apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: acme}\nspec:\n  images: ["ghcr.io/acme/**"]\n  references: {forbidLatest: true}\n');
    assert.equal((await run([admissionFile], { policy: [only] })).code, 0);
    const { code, json } = await run([admissionFile], { policy: [only], unmatched: 'deny' });
    assert.equal(code, 1);
    assert.equal(json!.summary.denied, 14);
  });

  test('table output', async () => {
    const { code, out } = await run([admissionFile], { format: 'table', offline: true });
    assert.equal(code, 1);
    const lines = out.stdout.split('\n');
    assert.equal(lines[0], `${admissionFile}:1  Deployment test-connaisseur/charlie-deployment  DENIED`);
    assert.match(out.stdout, /^ {2}IMAGE {2,}CONTAINER {2,}POLICY {2,}RULE {2,}RESULT {2,}MESSAGE$/m);
    assert.match(out.stdout, /^ {2}nginx {2,}ephemeralContainer:my-initcontainer {2,}no-latest {2,}references\/forbidLatest {2,}DENY {2,}has no tag, which means :latest and no digest$/m);
    assert.match(out.stdout, /^ {2}quay\.io\/fluentd_elasticsearch\/fluentd:v2\.5\.2 +fluentd-elasticsearch +hub-only +references\/allowedRegistries +AUDIT +/m);
    assert.match(out.stdout, /\n14 object\(s\): 10 denied, 4 admitted\n$/);
  });

  test('SARIF output is valid SARIF 2.1.0 and points at the image lines', async () => {
    const { code, out } = await run([workloadsFile], { format: 'sarif' }, new RecordingProvider());
    assert.equal(code, 1);
    const sarif = JSON.parse(out.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    assert.ok(validateSarif(sarif), errorsText(validateSarif));
    const eph = sarif.runs[0]!.results.find((r) => r.ruleId === 'no-latest/references/forbidLatest')!;
    assert.equal(eph.level, 'error');
    assert.equal(eph.locations[0]!.physicalLocation.region.startLine, 19);
    assert.ok(sarif.runs[0]!.results.some((r) => r.ruleId === 'prod-pinned/references/requireDigest' && r.level === 'warning'));
  });

  test('usage errors exit 2: a bad policy file with its line and field, no provider for signature rules, bad options', async () => {
    const bad = path.join(dir, 'bad-policy.yaml');
    await writeFile(bad, 'apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: x}\nspec:\n  images: ["**"]\n  references: {forbidLatest: yes}\n');
    const r1 = await run([admissionFile], { policy: [bad] });
    assert.equal(r1.code, 2);
    assert.match(r1.out.stderr, /bad-policy\.yaml:6:30: spec\.references\.forbidLatest: expected true or false, got the string "yes"/);
    assert.equal((await run([admissionFile], { offline: true, format: 'xml' })).code, 2);
    assert.equal((await run([path.join(dir, 'missing.yaml')], { offline: true })).code, 2);
    const notYaml = path.join(dir, 'broken.yaml');
    await writeFile(notYaml, 'kind: Pod\nspec: [\n');
    const r3 = await run([notYaml], { offline: true });
    assert.equal(r3.code, 2);
    assert.match(r3.out.stderr, /broken\.yaml:3:1: YAML:/);
  });
});

describe('tollgate policy test against a real registry (the live fact provider)', () => {
  // CNCF distribution started by the harness; one image signed with a key generated here, one left unsigned.
  let reg: TestRegistry;
  let client: RegistryClient;
  let work: string;
  let signedRef: string;
  let unsignedRef: string;
  let policy: string;
  let manifest: string;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer: Signer = { algorithm: 'ecdsa-p256-sha256', description: 'test.key', publicKey: async () => publicKey, sign: async (d) => signBytes('sha256', d, privateKey) };

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    work = await mkdtemp(path.join(os.tmpdir(), 'tollgate-policy-live-'));
    client = new RegistryClient({ dockerConfigDir: path.join(work, 'no-docker-config') });
    const a = buildImage([await buildLayer(await makeTar([{ path: 'etc/app.conf', content: 'signed\n' }]))]);
    const b = buildImage([await buildLayer(await makeTar([{ path: 'etc/app.conf', content: 'unsigned\n' }]))]);
    signedRef = `${reg.host}/team/signed:1.0`;
    unsignedRef = `${reg.host}/team/unsigned:1.0`;
    await pushImage(client, signedRef, { image: a });
    await pushImage(client, unsignedRef, { image: b });
    await signImage({ image: signedRef, signer, registry: client, events: () => {} });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    policy = path.join(work, 'policy.yaml');
    await writeFile(
      policy,
      `apiVersion: tollgate.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: team-signed}\nspec:\n  images: ["${reg.host}/team/**"]\n  authorities:\n    - name: ci\n      key:\n        data: |\n${pem
        .trim()
        .split('\n')
        .map((l) => `          ${l}`)
        .join('\n')}\n`,
    );
    manifest = path.join(work, 'deploy.yaml');
    const deploy = (name: string, image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: app, image: "${image}"}\n`;
    await writeFile(manifest, `${deploy('good', signedRef)}---\n${deploy('bad', unsignedRef)}`);
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the signed image is admitted, the unsigned one denied, with facts read from the registry', async () => {
    const out = captureOutput();
    const code = await runPolicyTest([manifest], { policy: [policy], format: 'json', dockerConfig: path.join(work, 'no-docker-config') }, { output: out, now: new Date() });
    assert.equal(code, 1, out.stderr);
    const json = JSON.parse(out.stdout) as JsonOut;
    assert.deepEqual(json.objects.map((o) => [o.name, o.allowed]), [['good', true], ['bad', false]]);
    assert.equal(json.objects[0]!.results[0]!.message, 'verified: ci');
    assert.match(json.objects[1]!.results[0]!.message, /^no valid a signature by ci \(key sha256:/);
  });

  test('a registry that is down: the rule could not be checked, and failurePolicy Fail denies', async () => {
    const down = path.join(work, 'down.yaml');
    await writeFile(down, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: app, image: "127.0.0.1:1/team/x:1"}\n');
    const p2 = path.join(work, 'p2.yaml');
    await writeFile(p2, (await readFile(policy, 'utf8')).replace(`["${reg.host}/team/**"]`, '["127.0.0.1:1/**"]'));
    const out = captureOutput();
    const code = await runPolicyTest([down], { policy: [p2], format: 'json', dockerConfig: path.join(work, 'no-docker-config') }, { output: out, now: new Date() });
    assert.equal(code, 1);
    const json = JSON.parse(out.stdout) as JsonOut;
    assert.match(json.objects[0]!.results[0]!.message, /^could not be checked: /);
  });
});
