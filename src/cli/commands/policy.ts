import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatPolicyIssue, PolicyValidationError, UsageError, type FactProvider, type ImagePolicy } from '../../core/index.js';
import { toolVersion } from '../../infra/index.js';
import {
  convertPolicyTexts,
  formatDecisionJson,
  formatDecisionSarif,
  formatDecisionTable,
  parsePolicySources,
  readManifests,
  readPolicyFiles,
  requiredFacts,
  needsVerification,
  testManifests,
  type ConversionNote,
  type ManifestObject,
} from '../../policy/index.js';
import { exitCodeFor, ExitCode } from '../exit-codes.js';
import { createOutput, type Output } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';

/**
 * `tollgate policy validate | convert | test`. Exit codes: 0 ok; `policy test` 1 when an object would be denied;
 * `policy convert` 1 when nothing could be translated; 2 usage errors (a policy file with its line and field, an
 * unreadable manifest); 3 operational errors (registry, network).
 */
export interface PolicyCliOptions {
  quiet?: boolean;
  debug?: boolean;
}

export interface PolicyCliDeps {
  /** Where results and messages go (tests capture them); the terminal by default. */
  output?: Output;
  /** Gathers signature, attestation and vulnerability facts from registries (the webhook's live provider). */
  factProvider?: FactProvider;
  now?: Date;
}

export const POLICY_TEST_DENIED = 1;
export const POLICY_CONVERT_NOTHING = 1;

/** Reads policy files or directories; every problem of every file becomes one PolicyValidationError. */
async function loadPolicies(paths: readonly string[], out: Output, now: Date): Promise<ImagePolicy[]> {
  const files = await readPolicyFiles(paths);
  const parsed = parsePolicySources(files, { now });
  for (const w of parsed.warnings) out.events({ type: 'warning', message: formatPolicyIssue(w) });
  if (parsed.issues.length > 0) throw new PolicyValidationError(parsed.issues);
  return parsed.policies;
}

async function readInput(file: string): Promise<string> {
  try {
    return file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('INVALID_ARGUMENT', `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`, { cause: e });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runPolicyValidate(paths: string[], opts: PolicyCliOptions & { format?: string }, deps: PolicyCliDeps = {}): Promise<number> {
  const out = deps.output ?? createOutput(opts);
  try {
    const files = await readPolicyFiles(paths);
    const parsed = parsePolicySources(files, { now: deps.now ?? new Date() });
    if (opts.format === 'json') {
      await out.result(`${JSON.stringify({ valid: parsed.issues.length === 0, policies: parsed.policies.map((p) => ({ name: p.name, version: p.version, mode: p.mode, source: p.source })), issues: parsed.issues, warnings: parsed.warnings }, null, 2)}\n`);
    }
    for (const w of parsed.warnings) out.events({ type: 'warning', message: formatPolicyIssue(w) });
    if (parsed.issues.length > 0) {
      if (opts.format !== 'json') for (const i of parsed.issues) out.info(`error: ${formatPolicyIssue(i)}`);
      out.info(`${parsed.issues.length} problem(s) in ${new Set(parsed.issues.map((i) => i.file)).size} file(s)`);
      return ExitCode.usage;
    }
    if (opts.format !== 'json') {
      const lines = files.map((f) => {
        const ps = parsed.policies.filter((p) => p.source?.file === f.file);
        return `${f.file}: ${ps.length} polic${ps.length === 1 ? 'y' : 'ies'}${ps.length ? ` (${ps.map((p) => `${p.name}, ${p.mode}`).join('; ')})` : ''}`;
      });
      await out.result(`${lines.join('\n')}\n`);
    }
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

function formatNote(n: ConversionNote): string {
  return `${n.file}:${n.line}: ${n.kind === 'untranslated' ? 'not translated' : n.kind}: ${n.path ? `${n.path}: ` : ''}${n.message}`;
}

export async function runPolicyConvert(files: string[], opts: PolicyCliOptions & { output?: string; notes?: string }, deps: PolicyCliDeps = {}): Promise<number> {
  const out = deps.output ?? createOutput(opts);
  try {
    const sources = [];
    for (const f of files) {
      // A directory contributes its *.yaml / *.yml files, subdirectories included (policy repositories nest them).
      if (f !== '-' && (await stat(f).catch(() => undefined))?.isDirectory()) {
        const names = (await readdir(f, { recursive: true })).filter((n) => /\.ya?ml$/i.test(n)).sort();
        if (names.length === 0) throw new UsageError('INVALID_ARGUMENT', `${f} holds no *.yaml or *.yml file`);
        for (const n of names) sources.push({ file: path.join(f, n), text: await readInput(path.join(f, n)) });
      } else sources.push({ file: f, text: await readInput(f) });
    }
    const r = convertPolicyTexts(sources);
    if (r.errors.length > 0) throw new PolicyValidationError(r.errors);
    const shown = opts.notes === 'all' ? r.notes : r.notes.filter((n) => n.kind !== 'info');
    const order = { invalid: 0, untranslated: 1, skipped: 2, info: 3 } as const;
    const sorted = [...shown].sort((a, b) => order[a.kind] - order[b.kind] || a.file.localeCompare(b.file) || a.line - b.line);
    if (r.policies.length > 0) await out.result(r.yaml, opts.output);
    if (sorted.length > 0) {
      const untranslated = r.notes.filter((n) => n.kind === 'untranslated').length;
      const invalid = r.notes.filter((n) => n.kind === 'invalid').length;
      out.info(
        `${r.policies.length} polic${r.policies.length === 1 ? 'y' : 'ies'} written; ${untranslated} part(s) not translated${invalid ? `, ${invalid} invalid document(s) rejected` : ''}` +
          `${opts.notes === 'all' ? '' : ' (--notes all also lists what needs no translation)'}:\n${sorted.map((n) => `  ${formatNote(n)}`).join('\n')}`,
      );
    }
    out.done();
    if (r.policies.length === 0) {
      out.info('nothing could be translated');
      return POLICY_CONVERT_NOTHING;
    }
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

export interface PolicyTestCliOptions extends PolicyCliOptions, RegistryCliOptions {
  policy: string[];
  /** Vulnerability database for `vulnerabilities` rules (default $XDG_CACHE_HOME/tollgate/db/tollgate.db, env TOLLGATE_DB). */
  db?: string;
  dockerConfig?: string;
  format?: string;
  output?: string;
  offline?: boolean;
  unmatched?: string;
  namespace?: string;
  /** Keyless authorities: the default Sigstore trusted root, `NAME=FILE` roots for trustRootRef; notation: the trust store folder. */
  trustedRoot?: string;
  trustRoot?: string[];
  notationTrustStore?: string;
  cacheDir?: string;
}

export async function runPolicyTest(manifests: string[], opts: PolicyTestCliOptions, deps: PolicyCliDeps = {}): Promise<number> {
  const out = deps.output ?? createOutput(opts);
  try {
    const now = deps.now ?? new Date();
    if (!opts.policy || opts.policy.length === 0) throw new UsageError('INVALID_ARGUMENT', 'no policy: pass --policy FILE|DIR');
    if (manifests.length === 0) throw new UsageError('INVALID_ARGUMENT', 'no manifest: pass one or more manifest files (or - for standard input)');
    const format = opts.format ?? 'table';
    if (!['table', 'json', 'sarif'].includes(format)) throw new UsageError('INVALID_ARGUMENT', `--format must be table, json or sarif, got ${JSON.stringify(format)}`);
    const unmatched = opts.unmatched ?? 'allow';
    if (unmatched !== 'allow' && unmatched !== 'deny') throw new UsageError('INVALID_ARGUMENT', `--unmatched must be allow or deny, got ${JSON.stringify(unmatched)}`);
    const policies = await loadPolicies(opts.policy, out, now);

    const objects: ManifestObject[] = [];
    const issues = [];
    for (const m of manifests) {
      const r = readManifests(m === '-' ? '<stdin>' : m, await readInput(m));
      objects.push(...r.objects);
      issues.push(...r.issues);
    }
    if (issues.length > 0) throw new UsageError('INVALID_ARGUMENT', `cannot read the manifests:\n${issues.map((i) => `  ${formatPolicyIssue(i)}`).join('\n')}`);
    for (const o of objects) {
      if (!o.supported && o.kind !== 'Namespace' && !opts.quiet) out.events({ type: 'debug', message: `${o.file}:${o.line}: ${o.kind} ${o.name} has no pod spec: not evaluated` });
    }

    let facts: { provider: FactProvider } | 'offline' = 'offline';
    let close: (() => Promise<void>) | undefined;
    if (!opts.offline) {
      const verifying = requiredFacts(policies, objects.filter((o) => o.supported).flatMap((o) => o.images)).filter(needsVerification);
      if (deps.factProvider) facts = { provider: deps.factProvider };
      else if (verifying.length > 0) {
        const live = await liveFactProvider(opts, out);
        facts = { provider: live.provider };
        close = live.close;
      }
    }
    try {
      const decisions = await testManifests(policies, objects, facts, {
        now,
        unmatched,
        ...(opts.namespace ? { defaultNamespace: opts.namespace } : {}),
      });
      const text =
        format === 'json' ? formatDecisionJson(decisions) : format === 'sarif' ? formatDecisionSarif(decisions, { version: toolVersion() }) : formatDecisionTable(decisions);
      await out.result(text, opts.output);
      for (const d of decisions) for (const w of d.decision.warnings) out.events({ type: 'warning', message: w });
      out.done();
      return decisions.some((d) => !d.decision.allowed) ? POLICY_TEST_DENIED : ExitCode.ok;
    } finally {
      await close?.();
    }
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

/**
 * The webhook's live provider (src/admission), for `policy test` without --offline: digests, signatures and
 * attestations from the registries (credentials as for `scan`: --username/--password, TOLLGATE_USERNAME/PASSWORD, the
 * docker config), scans with the local vulnerability database when a policy has a vulnerability gate, keyless and
 * notation authorities with the same trust flags as the webhook. Keys in Kubernetes secrets (`secretRef`) cannot be
 * read here: such authorities report the key as unavailable.
 */
async function liveFactProvider(opts: PolicyTestCliOptions, out: Output): Promise<{ provider: FactProvider; close: () => Promise<void> }> {
  const [{ LiveFactProvider, loadVerificationTrust }, { RegistryClient }, { scan }] = await Promise.all([import('../../admission/index.js'), import('../../oci/index.js'), import('../../scan/index.js')]);
  const trust = await loadVerificationTrust({
    ...(opts.trustedRoot !== undefined ? { trustedRoot: opts.trustedRoot } : {}),
    ...(opts.trustRoot ? { trustRoots: opts.trustRoot } : {}),
    ...(opts.notationTrustStore !== undefined ? { notationTrustStore: opts.notationTrustStore } : {}),
    ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
    events: out.events,
  });
  const username = opts.username ?? process.env.TOLLGATE_USERNAME;
  const password = opts.password ?? process.env.TOLLGATE_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('INVALID_ARGUMENT', 'give both a user name and a password (--username/--password or TOLLGATE_USERNAME/TOLLGATE_PASSWORD), or neither');
  }
  const caFile = opts.caFile ?? process.env.SSL_CERT_FILE;
  const registry = new RegistryClient({
    ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
    ...(opts.dockerConfig ? { dockerConfigDir: opts.dockerConfig } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(caFile ? { caFile } : {}),
    events: out.events,
  });
  const db = opts.db;
  const provider = new LiveFactProvider({
    registry,
    policyVersion: () => 'policy-test',
    ...trust,
    scanImage: (image: string, signal: AbortSignal) => scan(image, { ...(db ? { db } : {}), registry: () => registry, signal, events: out.events }),
    scanSbom: async (sbom: unknown) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-sbom-'));
      try {
        const file = path.join(dir, 'sbom.json');
        await writeFile(file, JSON.stringify(sbom));
        return await scan(`sbom:${file}`, { ...(db ? { db } : {}), events: out.events });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    events: out.events,
  });
  return { provider, close: () => registry.close() };
}
