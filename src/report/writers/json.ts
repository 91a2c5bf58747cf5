import type { Finding, ScanReport, ScanTarget } from '../../core/index.js';
import type { ReportWriter } from '../writer.js';

/*
 * The report object itself (it is also what the library's `scan()` returns), with keys in a fixed order so that
 * two runs over the same input give the same bytes whatever order the producing code built the objects in: the
 * declaration order of src/core/finding.ts, then any key it does not know, alphabetically.
 */

const REPORT_KEYS = ['schemaVersion', 'tool', 'createdAt', 'artifact', 'os', 'db', 'targets', 'summary', 'complete', 'warnings'];
const TARGET_KEYS = ['name', 'class', 'type', 'packages', 'findings'];
const FINDING_KEYS = [
  'id',
  'aliases',
  'package',
  'severity',
  'severitySource',
  'cvss',
  'cwes',
  'title',
  'description',
  'status',
  'fixedVersions',
  'published',
  'modified',
  'references',
  'kev',
  'epss',
  'match',
  'suppressed',
];
const NESTED_KEYS: Record<string, string[]> = {
  tool: ['name', 'version'],
  artifact: ['input', 'kind', 'image', 'sbomFormat'],
  os: ['family', 'version', 'id', 'codename', 'prettyName', 'source'],
  db: ['builtAt', 'ageHours', 'stale', 'sources'],
  summary: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NEGLIGIBLE', 'UNKNOWN', 'total', 'suppressed'],
  package: ['purl', 'type', 'name', 'version', 'sourceName', 'paths', 'layer'],
  layer: ['index', 'digest', 'diffId', 'createdBy'],
  cvss: ['version', 'vector', 'score', 'source'],
  kev: ['dateAdded', 'dueDate', 'knownRansomware'],
  epss: ['score', 'percentile'],
  match: ['matcher', 'advisory', 'feed', 'ecosystem', 'distro', 'searchedBy', 'constraint'],
  suppressed: ['by', 'status', 'justification', 'reason', 'statement', 'source'],
  sources: ['feed', 'records'],
  image: [
    'input',
    'kind',
    'repository',
    'tag',
    'manifestDigest',
    'indexDigest',
    'manifestMediaType',
    'configDigest',
    'platform',
    'created',
    'author',
    'labels',
    'env',
    'entrypoint',
    'cmd',
    'user',
    'workingDir',
    'repoDigests',
    'repoTags',
    'size',
  ],
  platform: ['os', 'architecture', 'variant'],
};

/** Known keys first in `order`, then the rest sorted; nested objects ordered by their key's list (or sorted). */
function ordered(value: unknown, order: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => ordered(v, order));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const known = order.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !order.includes(k)).sort();
  const out: Record<string, unknown> = {};
  for (const k of [...known, ...rest]) {
    if (obj[k] === undefined) continue;
    out[k] = ordered(obj[k], NESTED_KEYS[k] ?? []);
  }
  return out;
}

function orderedReport(report: ScanReport): unknown {
  const top = ordered({ ...report, targets: [] }, REPORT_KEYS) as Record<string, unknown>;
  top.targets = report.targets.map((t: ScanTarget) => {
    const target = ordered({ ...t, findings: [] }, TARGET_KEYS) as Record<string, unknown>;
    target.findings = t.findings.map((f: Finding) => ordered(f, FINDING_KEYS));
    return target;
  });
  return top;
}

export const json: ReportWriter = {
  id: 'json',
  description: 'The report object as JSON (the library format; suppressed findings listed with their reason)',
  write(report: ScanReport): string {
    return `${JSON.stringify(orderedReport(report), null, 2)}\n`;
  },
};
