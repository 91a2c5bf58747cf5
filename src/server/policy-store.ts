import { createHash } from 'node:crypto';
import { PolicyValidationError, UsageError, type ImagePolicy, type PolicyIssue } from '../core/index.js';
import type { PolicySet } from '../admission/index.js';
import { parsePolicySources, readPolicyFiles } from '../policy/index.js';

export function policySetVersion(policies: readonly ImagePolicy[]): string {
  const h = createHash('sha256');
  for (const p of [...policies].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${p.name}\u0000${p.version}\u0000`);
  return h.digest('hex').slice(0, 16);
}

export interface PolicyLoad {
  policies: ImagePolicy[];
  warnings: PolicyIssue[];
}

export async function loadPolicies(location: string): Promise<PolicyLoad> {
  const parsed = parsePolicySources(await readPolicyFiles([location]));
  if (parsed.issues.length > 0) throw new PolicyValidationError(parsed.issues);
  if (parsed.policies.length === 0) throw new UsageError('INVALID_CONFIG', `${location} holds no ClusterImagePolicy`);
  return { policies: parsed.policies, warnings: parsed.warnings };
}

/**
 * The webhook's policies, read from a file or a folder (a mounted ConfigMap) and re-read when they change. A new
 * version that does not validate is refused as a whole: the policies in force stay, the problems are reported, and
 * the webhook stays ready (a typo must not take admission down).
 */
export class PolicyStore {
  private current: PolicySet | undefined;
  reloads = 0;
  failedReloads = 0;
  lastError: string | undefined;

  constructor(readonly location: string) {}

  get loaded(): boolean {
    return this.current !== undefined;
  }

  /** The policies in force; throws before the first successful load. */
  get(): PolicySet {
    if (!this.current) throw new Error('policies are not loaded yet');
    return this.current;
  }

  /** First load: problems are the caller's (the command exits with them). */
  async load(): Promise<PolicyLoad> {
    const r = await loadPolicies(this.location);
    this.current = { policies: r.policies, version: policySetVersion(r.policies) };
    return r;
  }

  /** A later load: returns the outcome instead of throwing, keeping the old policies on failure. */
  async reload(): Promise<{ ok: true; changed: boolean; count: number; warnings: PolicyIssue[] } | { ok: false; error: unknown }> {
    try {
      const before = this.current?.version;
      const r = await loadPolicies(this.location);
      this.current = { policies: r.policies, version: policySetVersion(r.policies) };
      this.reloads++;
      this.lastError = undefined;
      return { ok: true, changed: before !== this.current.version, count: r.policies.length, warnings: r.warnings };
    } catch (e) {
      this.failedReloads++;
      this.lastError = (e as Error).message;
      return { ok: false, error: e };
    }
  }
}
