/**
 * deploy/ and image pull secrets: the base install grants exactly cluster-wide `get` on secrets and serviceaccounts
 * (nothing else, no list/watch) to the webhook's ServiceAccount, and deploy/no-pull-secrets removes that grant and
 * starts the webhook with --no-pull-secrets. Both are rendered by the real kustomize (built into kubectl).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../support/paths.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const run = promisify(execFile);

async function render(overlay: string): Promise<Obj[]> {
  const { stdout } = await run('kubectl', ['kustomize', path.join(repoRoot, 'deploy', overlay)], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as Obj);
}

const args = (docs: Obj[]): string[] => docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0].args as string[];

describe('deploy/: the pull-secret grant', () => {
  test('base: cluster-wide get on secrets and serviceaccounts, bound to the webhook ServiceAccount, nothing more', async () => {
    const docs = await render('base');
    const role = docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'tollgate-webhook-pull-secrets');
    assert.ok(role);
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] }]);
    const binding = docs.find((d) => d.kind === 'ClusterRoleBinding' && d.metadata.name === 'tollgate-webhook-pull-secrets')!;
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'tollgate-webhook-pull-secrets' });
    const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    // No other cluster-wide grant touches secrets.
    for (const cr of docs.filter((d) => d.kind === 'ClusterRole' && d !== role)) for (const r of cr.rules as Obj[]) assert.ok(!r.resources.includes('secrets'), cr.metadata.name);
    // In a cluster pull secrets are on by default: the base does not turn them off.
    assert.ok(!args(docs).includes('--no-pull-secrets'));
  });

  test('deploy/no-pull-secrets: the grant is gone and the webhook runs with --no-pull-secrets', async () => {
    const docs = await render('no-pull-secrets');
    assert.equal(docs.filter((d) => d.metadata?.name === 'tollgate-webhook-pull-secrets').length, 0);
    assert.ok(args(docs).includes('--no-pull-secrets'));
    // Everything else of the base is still there.
    const base = await render('base');
    assert.equal(docs.length, base.length - 2);
  });
});
