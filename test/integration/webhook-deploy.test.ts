/**
 * deploy/: every YAML document parses; every Kubernetes object is of a real apiVersion/kind and validates against
 * that kind's OpenAPI schema (kubernetes-models and @kubernetes-models/cert-manager: validators generated from the
 * Kubernetes and cert-manager OpenAPI specs); the example policy is a valid Tollgate policy; and the pieces agree with
 * each other (names, labels, ports, mount paths) and with what issue #6 asks of an install.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parsePolicySources } from '../../src/policy/index.js';
import { serviceDnsNames } from '../../src/server/index.js';
import { repoRoot } from '../support/paths.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const deployDir = path.join(repoRoot, 'deploy');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(n) ? [p] : [];
  });
}

const docs: { file: string; doc: Obj }[] = [];
for (const file of yamlFiles(deployDir)) {
  for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    const doc = d.toJS() as Obj | null;
    if (doc) docs.push({ file: path.relative(deployDir, file), doc });
  }
}

const find = (kind: string, name?: string) => docs.filter((d) => d.doc.kind === kind && (name === undefined || d.doc.metadata?.name === name)).map((d) => d.doc);
const one = (kind: string, name?: string) => {
  const all = find(kind, name);
  assert.equal(all.length, 1, `exactly one ${kind} ${name ?? ''}`);
  return all[0]!;
};

/** The validator module of a kind: kubernetes-models for Kubernetes' own, @kubernetes-models/cert-manager for cert-manager's. */
function modelPath(apiVersion: string, kind: string): string | undefined {
  if (apiVersion.startsWith('cert-manager.io/')) return `@kubernetes-models/cert-manager/${apiVersion}/${kind}`;
  if (apiVersion.includes('.') && !apiVersion.endsWith('.k8s.io/v1')) return undefined;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

describe('deploy/', () => {
  test('every document is a real, schema-valid object (or a Kustomization / Tollgate policy)', async () => {
    assert.ok(docs.length >= 15, `${docs.length} documents`);
    const seen = new Set<string>();
    for (const { file, doc } of docs) {
      const { apiVersion, kind } = doc as { apiVersion: string; kind: string };
      assert.ok(typeof apiVersion === 'string' && typeof kind === 'string', `${file}: apiVersion and kind`);
      seen.add(`${apiVersion} ${kind}`);
      if (kind === 'Kustomization') {
        assert.equal(apiVersion, 'kustomize.config.k8s.io/v1beta1', file);
        continue;
      }
      if (kind === 'ClusterImagePolicy') continue;
      const module = modelPath(apiVersion, kind);
      assert.ok(module, `${file}: ${apiVersion} ${kind} is not a known kind`);
      let Model: new (o: Obj) => { validate(): void };
      try {
        Model = ((await import(module)) as Record<string, new (o: Obj) => { validate(): void }>)[kind]!;
      } catch (e) {
        assert.fail(`${file}: ${apiVersion} ${kind} is not a real kind (${(e as Error).message})`);
      }
      assert.ok(Model, `${file}: ${module} exports ${kind}`);
      assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${kind} ${doc.metadata?.name}`);
      // The models fill in apiVersion/kind themselves: make sure the file's own are the model's.
      const model = new Model(doc) as unknown as { apiVersion: string; kind: string };
      assert.deepEqual([model.apiVersion, model.kind], [apiVersion, kind], file);
    }
    for (const k of [
      'v1 Namespace',
      'v1 ServiceAccount',
      'rbac.authorization.k8s.io/v1 Role',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'apps/v1 Deployment',
      'policy/v1 PodDisruptionBudget',
      'v1 Service',
      'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration',
      'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration',
      'tollgate.dev/v1alpha1 ClusterImagePolicy',
      'cert-manager.io/v1 Certificate',
      'cert-manager.io/v1 Issuer',
    ]) {
      assert.ok(seen.has(k), `deploy/ has a ${k}`);
    }
  });

  test('the example policy is a valid Tollgate policy', () => {
    const file = path.join(deployDir, 'base/policies/example-policy.yaml');
    const r = parsePolicySources([{ file, text: readFileSync(file, 'utf8') }]);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.policies.map((p) => [p.name, p.mode, p.failurePolicy]), [
      ['acme-release-signed', 'enforce', 'Fail'],
      ['no-latest', 'warn', 'Fail'],
    ]);
  });

  test('kustomizations list files that exist', () => {
    for (const { file, doc } of docs.filter((d) => d.doc.kind === 'Kustomization')) {
      const base = path.dirname(path.join(deployDir, file));
      for (const r of doc.resources as string[]) assert.ok(existsSync(path.join(base, r)), `${file}: ${r}`);
      for (const g of (doc.configMapGenerator ?? []) as { files: string[] }[]) for (const f of g.files) assert.ok(existsSync(path.join(base, f)), `${file}: ${f}`);
    }
  });

  test('webhooks: both exclude kube-system and tollgate, no side effects, a timeout, pods incl. ephemeral containers', () => {
    const service = one('Service', 'tollgate-webhook');
    const validating = one('ValidatingWebhookConfiguration', 'tollgate');
    const mutating = one('MutatingWebhookConfiguration', 'tollgate');
    for (const [config, endpoint] of [
      [validating, '/validate'],
      [mutating, '/mutate'],
    ] as const) {
      for (const w of config.webhooks as Obj[]) {
        assert.equal(w.sideEffects, 'None');
        assert.ok(w.timeoutSeconds >= 5 && w.timeoutSeconds <= 30);
        assert.equal(w.failurePolicy, 'Fail');
        assert.ok(w.admissionReviewVersions.includes('v1'));
        assert.deepEqual(w.clientConfig.service, { name: service.metadata.name, namespace: service.metadata.namespace, path: endpoint, port: service.spec.ports[0].port });
        const notIn = (w.namespaceSelector.matchExpressions as Obj[]).find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
        assert.deepEqual([...notIn!.values].sort(), ['kube-system', 'tollgate']);
        assert.ok((w.matchConditions as Obj[]).every((c) => typeof c.expression === 'string' && c.name));
        const resources = (w.rules as Obj[]).flatMap((r) => (r.resources as string[]).map((res) => `${r.apiGroups[0] || 'core'}/${res}`));
        assert.ok(resources.includes('core/pods') && resources.includes('core/pods/ephemeralcontainers'), resources.join(' '));
        for (const r of w.rules as Obj[]) assert.deepEqual(r.operations, ['CREATE', 'UPDATE']);
      }
    }
    const vres = (validating.webhooks[0].rules as Obj[]).flatMap((r) => (r.resources as string[]).map((res) => `${r.apiGroups[0] || 'core'}/${res}`));
    for (const k of ['core/replicationcontrollers', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs']) assert.ok(vres.includes(k), k);
    assert.equal(mutating.webhooks[0].reinvocationPolicy, 'IfNeeded');
  });

  test('deployment: 2 replicas, non-root, read-only root fs, probes, resources; mounts match the arguments', () => {
    const d = one('Deployment', 'tollgate-webhook');
    assert.ok(d.spec.replicas >= 2);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.equal(c.readinessProbe.httpGet.scheme, 'HTTPS');
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
    assert.equal(pod.serviceAccountName, one('ServiceAccount').metadata.name);
    const args = Object.fromEntries((c.args as string[]).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=') as [string, string]));
    assert.deepEqual((c.args as string[]).slice(0, 2), ['webhook', 'serve']);
    const mounts = c.volumeMounts as { name: string; mountPath: string }[];
    const under = (file: string) => mounts.find((m) => file === m.mountPath || file.startsWith(`${m.mountPath}/`));
    for (const flag of ['policy', 'tls-cert', 'tls-key', 'docker-config']) assert.ok(under(args[flag]!), `--${flag} ${args[flag]} is on a mounted volume`);
    const volumes = Object.fromEntries((pod.volumes as Obj[]).map((v) => [v.name, v]));
    assert.equal(volumes[under(args['tls-cert']!)!.name].secret.secretName, 'tollgate-webhook-tls');
    assert.equal(volumes[under(args.policy!)!.name].configMap.name, 'tollgate-policies');
    assert.equal(args.port, String(c.ports[0].containerPort));
    // The server's deadline follows --timeout: it must equal the webhooks' timeoutSeconds.
    assert.equal(args.timeout, `${one('ValidatingWebhookConfiguration').webhooks[0].timeoutSeconds}s`);
    assert.ok(args['exclude-namespaces']!.split(',').includes('tollgate'));
    // Selectors agree.
    for (const sel of [one('Service').spec.selector, one('PodDisruptionBudget').spec.selector.matchLabels, d.spec.selector.matchLabels]) {
      for (const [k, v] of Object.entries(sel as Record<string, string>)) assert.equal(d.spec.template.metadata.labels[k], v);
    }
    assert.equal(one('PodDisruptionBudget').spec.minAvailable, 1);
  });

  test('RBAC: secrets only in its own namespace; nothing cluster-wide but reading namespaces (and the optional pull-secret grant)', () => {
    for (const role of find('Role')) {
      assert.equal(role.metadata.namespace, 'tollgate');
      for (const r of role.rules as Obj[]) assert.deepEqual(r.verbs, ['get', 'list', 'watch']);
    }
    assert.ok(find('Role').some((r) => (r.rules as Obj[]).some((x) => x.resources.includes('secrets'))));
    // Image pull secrets need cluster-wide `get` on secrets and serviceaccounts: an optional grant of its own, checked
    // in pull-secrets-deploy.test.ts.
    for (const cr of find('ClusterRole').filter((c) => c.metadata.name !== 'tollgate-webhook-pull-secrets')) {
      for (const r of cr.rules as Obj[]) {
        assert.deepEqual(r.resources, ['namespaces']);
        assert.deepEqual(r.verbs, ['get', 'list', 'watch']);
      }
    }
  });

  test('cert-manager: the serving certificate names the Service; the CA is injected into both webhooks', () => {
    const svc = one('Service', 'tollgate-webhook');
    const cert = one('Certificate', 'tollgate-webhook-tls');
    assert.deepEqual(cert.spec.dnsNames, serviceDnsNames(svc.metadata.name, svc.metadata.namespace));
    assert.equal(cert.spec.secretName, 'tollgate-webhook-tls');
    const issuer = one('Issuer', cert.spec.issuerRef.name);
    const ca = one('Certificate', 'tollgate-ca');
    assert.equal(issuer.spec.ca.secretName, ca.spec.secretName);
    assert.equal(ca.spec.isCA, true);
    const k = docs.find((d) => d.file === 'cert-manager/kustomization.yaml')!.doc;
    const patched = (k.patches as Obj[]).map((p) => p.target.kind).sort();
    assert.deepEqual(patched, ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    for (const p of k.patches as Obj[]) assert.match(p.patch as string, /cert-manager\.io\/inject-ca-from: tollgate\/tollgate-webhook-tls/);
  });
});
