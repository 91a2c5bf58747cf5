import type { Decision, RuleResult } from '../core/index.js';

/**
 * Output of `tollgate policy test`: one decision per Kubernetes object of the manifests, as a table for people, JSON
 * for programs, or SARIF 2.1.0 for code-scanning dashboards
 * (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
 */
export interface ObjectDecision {
  file: string;
  /** Line where the object's document starts. */
  line: number;
  kind: string;
  namespace: string;
  name: string;
  decision: Decision;
  /** Line of each container's `image:` field, by container kind and name ("container/web"). */
  imageLines: Record<string, number>;
  /** Why the object could not be evaluated fully (an entry without image…). */
  problems: string[];
}

export interface PolicyTestSummary {
  objects: number;
  denied: number;
  admittedWithWarnings: number;
  admitted: number;
}

export function summarize(objects: readonly ObjectDecision[]): PolicyTestSummary {
  const denied = objects.filter((o) => !o.decision.allowed).length;
  const warned = objects.filter((o) => o.decision.allowed && o.decision.results.some((r) => r.result === 'fail' && r.mode === 'warn')).length;
  return { objects: objects.length, denied, admittedWithWarnings: warned, admitted: objects.length - denied };
}

const objectLabel = (o: ObjectDecision) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

function outcome(r: RuleResult): string {
  if (r.result === 'fail') return r.mode === 'enforce' ? 'DENY' : r.mode === 'warn' ? 'WARN' : 'AUDIT';
  return r.result.toUpperCase();
}

export function formatDecisionTable(objects: readonly ObjectDecision[]): string {
  const lines: string[] = [];
  for (const o of objects) {
    const verdict = o.decision.allowed ? (o.decision.mode === 'warn' ? 'ADMITTED with warnings' : 'ADMITTED') : 'DENIED';
    lines.push(`${o.file}:${o.line}  ${objectLabel(o)}  ${verdict}`);
    for (const p of o.problems) lines.push(`  ! ${p}`);
    const rows = o.decision.results.map((r) => [r.image, `${r.kind === 'container' ? '' : `${r.kind}:`}${r.container}`, r.policy || '-', r.rule, outcome(r), r.message]);
    if (rows.length === 0) {
      lines.push('  (no images)');
    } else {
      const header = ['IMAGE', 'CONTAINER', 'POLICY', 'RULE', 'RESULT', 'MESSAGE'];
      const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
      const fmt = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
      lines.push(fmt(header));
      for (const r of rows) lines.push(fmt(r));
    }
    lines.push('');
  }
  const s = summarize(objects);
  lines.push(`${s.objects} object(s): ${s.denied} denied, ${s.admitted} admitted${s.admittedWithWarnings ? ` (${s.admittedWithWarnings} with warnings)` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function formatDecisionJson(objects: readonly ObjectDecision[]): string {
  return `${JSON.stringify(
    {
      schemaVersion: 1,
      summary: summarize(objects),
      objects: objects.map((o) => ({
        file: o.file,
        line: o.line,
        kind: o.kind,
        namespace: o.namespace,
        name: o.name,
        allowed: o.decision.allowed,
        mode: o.decision.mode,
        ...(o.decision.message ? { message: o.decision.message } : {}),
        warnings: o.decision.warnings,
        problems: o.problems,
        images: o.decision.images,
        results: o.decision.results,
      })),
    },
    null,
    2,
  )}\n`;
}

const SARIF_LEVEL = { enforce: 'error', warn: 'warning', audit: 'note' } as const;

export function formatDecisionSarif(objects: readonly ObjectDecision[], tool: { version: string }): string {
  const rules = new Map<string, { id: string; name: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }>();
  const results: unknown[] = [];
  for (const o of objects) {
    for (const r of o.decision.results) {
      if (r.result !== 'fail' && r.result !== 'exception') continue;
      const id = r.policy ? `${r.policy}/${r.rule}` : r.rule;
      if (!rules.has(id)) {
        rules.set(id, {
          id,
          name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')),
          shortDescription: { text: r.policy ? `Tollgate policy ${r.policy}: ${r.rule}` : `Tollgate: ${r.rule}` },
          defaultConfiguration: { level: SARIF_LEVEL[r.mode] },
        });
      }
      const line = o.imageLines[`${r.kind}/${r.container}`] ?? o.line;
      results.push({
        ruleId: id,
        level: SARIF_LEVEL[r.mode],
        message: { text: `${objectLabel(o)}: image ${r.image} (${r.kind} ${r.container}): ${r.message}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: o.file }, region: { startLine: line } } }],
        partialFingerprints: { tollgatePolicyResult: `${o.kind}/${o.namespace}/${o.name}/${r.container}/${id}` },
        ...(r.result === 'exception' ? { suppressions: [{ kind: 'external', justification: r.message }] } : {}),
      });
    }
  }
  return `${JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'Tollgate', fullName: 'Tollgate admission policy', version: tool.version, rules: [...rules.values()] } },
          results,
        },
      ],
    },
    null,
    2,
  )}\n`;
}
