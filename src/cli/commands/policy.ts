import { readFile } from 'node:fs/promises';
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
    for (const f of files) sources.push({ file: f, text: await readInput(f) });
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

export interface PolicyTestCliOptions extends PolicyCliOptions {
  policy: string[];
  format?: string;
  output?: string;
  offline?: boolean;
  unmatched?: string;
  namespace?: string;
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
    if (!opts.offline) {
      const verifying = requiredFacts(policies, objects.filter((o) => o.supported).flatMap((o) => o.images)).filter(needsVerification);
      if (deps.factProvider) facts = { provider: deps.factProvider };
      else if (verifying.length > 0) {
        throw new UsageError(
          'INVALID_ARGUMENT',
          `${verifying.length} image(s) need signatures, attestations or vulnerabilities checked in the registry, and this build has no registry fact provider for \`policy test\`: run with --offline (such rules then fail as "not verified (offline)")`,
        );
      }
    }
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
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}
