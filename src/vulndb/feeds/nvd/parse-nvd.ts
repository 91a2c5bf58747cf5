import type { CveEnrichment, CvssScore } from '../../../core/index.js';
import { cvssBaseScore, parseCvss } from '../../cvss.js';

/**
 * One NVD CVE API 2.0 response page (https://nvd.nist.gov/developers/vulnerabilities, schema
 * https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema) → one CveEnrichment per CVE: CVSS v2, v3.0,
 * v3.1 and v4.0 metrics with who scored them, CWE ids and the English description. Rejected CVEs are left out.
 */

export class NvdFieldError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const METRIC_KEYS = ['cvssMetricV2', 'cvssMetricV30', 'cvssMetricV31', 'cvssMetricV40'] as const;

/** NVD scores itself as nvd@nist.gov; every other `source` is the CNA's e-mail or UUID. */
function scorer(source: unknown): string {
  return source === 'nvd@nist.gov' || source === undefined ? 'nvd' : `cna:${String(source)}`;
}

/**
 * A CVSS entry from a stated vector and score: v2/v3 scores are recomputed from the vector (the vector is what the
 * scorer decided; a few stated numbers disagree with it), v4 keeps the stated score.
 */
export function cvssEntry(vector: unknown, stated: unknown, source: string): CvssScore | undefined {
  if (typeof vector !== 'string') return undefined;
  const parsed = parseCvss(vector);
  const computed = cvssBaseScore(vector);
  const score = computed ?? (typeof stated === 'number' && stated >= 0 && stated <= 10 ? stated : undefined);
  if (!parsed || score === undefined) return undefined;
  return { version: parsed.version, vector, score, source };
}

export function parseNvdPage(doc: unknown): CveEnrichment[] {
  if (!isObj(doc)) throw new NvdFieldError('(page): expected an object');
  if (!Array.isArray(doc.vulnerabilities)) throw new NvdFieldError('vulnerabilities: expected an array');
  const out: CveEnrichment[] = [];
  doc.vulnerabilities.forEach((v, i) => {
    const field = `vulnerabilities[${i}]`;
    if (!isObj(v) || !isObj(v.cve)) throw new NvdFieldError(`${field}.cve: expected an object`);
    const cve = v.cve;
    if (typeof cve.id !== 'string' || !/^CVE-\d{4}-\d+$/.test(cve.id)) throw new NvdFieldError(`${field}.cve.id: expected a CVE id, got ${JSON.stringify(cve.id)}`);
    if (cve.vulnStatus === 'Rejected') return;
    const e: CveEnrichment = { cve: cve.id };
    if (typeof cve.published === 'string') e.published = cve.published;
    if (Array.isArray(cve.descriptions)) {
      const en = cve.descriptions.find((d) => isObj(d) && d.lang === 'en' && typeof d.value === 'string') as { value: string } | undefined;
      if (en) e.description = en.value;
    }
    const cvss: CvssScore[] = [];
    if (cve.metrics !== undefined) {
      if (!isObj(cve.metrics)) throw new NvdFieldError(`${cve.id}: metrics: expected an object`);
      for (const key of METRIC_KEYS) {
        const list = cve.metrics[key];
        if (list === undefined) continue;
        if (!Array.isArray(list)) throw new NvdFieldError(`${cve.id}: metrics.${key}: expected an array`);
        list.forEach((m, j) => {
          if (!isObj(m) || !isObj(m.cvssData)) throw new NvdFieldError(`${cve.id}: metrics.${key}[${j}].cvssData: expected an object`);
          const entry = cvssEntry(m.cvssData.vectorString, m.cvssData.baseScore, scorer(m.source));
          if (entry) cvss.push(entry);
        });
      }
    }
    if (cvss.length) e.cvss = cvss;
    const cwes = new Set<string>();
    if (Array.isArray(cve.weaknesses)) {
      for (const w of cve.weaknesses) {
        if (!isObj(w) || !Array.isArray(w.description)) continue;
        // NVD-CWE-Other / NVD-CWE-noinfo say "no specific CWE".
        for (const d of w.description) if (isObj(d) && typeof d.value === 'string' && /^CWE-\d+$/.test(d.value)) cwes.add(d.value);
      }
    }
    if (cwes.size) e.cwes = [...cwes];
    out.push(e);
  });
  return out;
}
