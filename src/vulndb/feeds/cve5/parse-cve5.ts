import type { CveEnrichment, CvssScore } from '../../../core/index.js';
import { cvssBaseScore, parseCvss } from '../../cvss.js';

/**
 * One CVE JSON 5.x record (https://github.com/CVEProject/cve-schema, CVE_Record_Format 5.0/5.1) → CveEnrichment:
 * CVSS metrics of the CNA container and of every ADP container (CISA-ADP "Vulnrichment" adds CVSS, CWE, SSVC and
 * a KEV marker), CWE ids from problemTypes, the English description and the publication date. REJECTED records
 * yield nothing.
 */

export class Cve5FieldError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const METRIC_KEYS = ['cvssV2_0', 'cvssV3_0', 'cvssV3_1', 'cvssV4_0'] as const;

/** Who scored: "cisa-adp" for CISA's ADP, "adp:<shortName>" for another ADP, "cna:<shortName>" for the CNA. */
function scorer(container: Obj, role: 'cna' | 'adp'): string {
  const pm = isObj(container.providerMetadata) ? container.providerMetadata : {};
  const name = typeof pm.shortName === 'string' ? pm.shortName : typeof pm.orgId === 'string' ? pm.orgId : 'unknown';
  if (role === 'adp' && name === 'CISA-ADP') return 'cisa-adp';
  return `${role}:${name}`;
}

function metricsOf(container: Obj, source: string, field: string, into: CvssScore[], e: CveEnrichment): void {
  if (container.metrics === undefined) return;
  if (!Array.isArray(container.metrics)) throw new Cve5FieldError(`${field}.metrics: expected an array`);
  container.metrics.forEach((m, i) => {
    if (!isObj(m)) throw new Cve5FieldError(`${field}.metrics[${i}]: expected an object`);
    for (const key of METRIC_KEYS) {
      const c = m[key];
      if (c === undefined) continue;
      if (!isObj(c)) throw new Cve5FieldError(`${field}.metrics[${i}].${key}: expected an object`);
      const vector = c.vectorString;
      if (typeof vector !== 'string') throw new Cve5FieldError(`${field}.metrics[${i}].${key}.vectorString: expected a string`);
      const parsed = parseCvss(vector);
      // v2/v3 scores follow the vector (a few CNAs state temporal or miscomputed numbers); v4 keeps the stated one.
      const score = cvssBaseScore(vector) ?? (typeof c.baseScore === 'number' ? c.baseScore : undefined);
      if (parsed && score !== undefined) into.push({ version: parsed.version, vector, score, source });
    }
    // CISA-ADP marks KEV entries as {other: {type: "kev", content: {dateAdded, reference}}}.
    const other = m.other;
    if (isObj(other) && other.type === 'kev' && isObj(other.content) && typeof other.content.dateAdded === 'string') {
      e.kev ??= { dateAdded: other.content.dateAdded };
    }
  });
}

function cwesOf(container: Obj, into: Set<string>): void {
  if (!Array.isArray(container.problemTypes)) return;
  for (const pt of container.problemTypes) {
    if (!isObj(pt) || !Array.isArray(pt.descriptions)) continue;
    for (const d of pt.descriptions) if (isObj(d) && typeof d.cweId === 'string' && /^CWE-\d+$/.test(d.cweId)) into.add(d.cweId);
  }
}

export function parseCve5(doc: unknown): CveEnrichment | undefined {
  if (!isObj(doc)) throw new Cve5FieldError('(record): expected an object');
  if (doc.dataType !== undefined && doc.dataType !== 'CVE_RECORD') throw new Cve5FieldError(`dataType: expected "CVE_RECORD", got ${JSON.stringify(doc.dataType)}`);
  const meta = doc.cveMetadata;
  if (!isObj(meta)) throw new Cve5FieldError('cveMetadata: expected an object');
  const id = meta.cveId;
  if (typeof id !== 'string' || !/^CVE-\d{4}-\d+$/.test(id)) throw new Cve5FieldError(`cveMetadata.cveId: expected a CVE id, got ${JSON.stringify(id)}`);
  if (meta.state === 'REJECTED') return undefined;
  if (!isObj(doc.containers)) throw new Cve5FieldError(`${id}: containers: expected an object`);
  const cna = doc.containers.cna;
  if (!isObj(cna)) throw new Cve5FieldError(`${id}: containers.cna: expected an object`);
  const adp = doc.containers.adp ?? [];
  if (!Array.isArray(adp)) throw new Cve5FieldError(`${id}: containers.adp: expected an array`);

  const e: CveEnrichment = { cve: id };
  if (typeof meta.datePublished === 'string') e.published = meta.datePublished;
  if (Array.isArray(cna.descriptions)) {
    const en = cna.descriptions.find((d) => isObj(d) && typeof d.lang === 'string' && /^en\b/i.test(d.lang) && typeof d.value === 'string');
    if (en) e.description = (en as { value: string }).value;
  }
  const cvss: CvssScore[] = [];
  const cwes = new Set<string>();
  metricsOf(cna, scorer(cna, 'cna'), `${id}: containers.cna`, cvss, e);
  cwesOf(cna, cwes);
  adp.forEach((a, i) => {
    if (!isObj(a)) throw new Cve5FieldError(`${id}: containers.adp[${i}]: expected an object`);
    metricsOf(a, scorer(a, 'adp'), `${id}: containers.adp[${i}]`, cvss, e);
    cwesOf(a, cwes);
  });
  if (cvss.length) e.cvss = cvss;
  if (cwes.size) e.cwes = [...cwes];
  return e;
}
