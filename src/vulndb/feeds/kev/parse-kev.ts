import type { CveEnrichment } from '../../../core/index.js';

/**
 * The CISA Known Exploited Vulnerabilities catalog, JSON form
 * (https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json) → one enrichment per
 * CVE with its KEV facts (date added, due date, ransomware use, required action) and CISA's CWE ids.
 */

export class KevFieldError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseKev(doc: unknown): CveEnrichment[] {
  if (!isObj(doc)) throw new KevFieldError('(catalog): expected an object');
  if (!Array.isArray(doc.vulnerabilities)) throw new KevFieldError('vulnerabilities: expected an array');
  return doc.vulnerabilities.map((v, i) => {
    if (!isObj(v)) throw new KevFieldError(`vulnerabilities[${i}]: expected an object`);
    const cve = v.cveID;
    if (typeof cve !== 'string' || !/^CVE-\d{4}-\d+$/.test(cve)) throw new KevFieldError(`vulnerabilities[${i}].cveID: expected a CVE id, got ${JSON.stringify(cve)}`);
    if (typeof v.dateAdded !== 'string' || !DATE.test(v.dateAdded)) {
      throw new KevFieldError(`${cve}: dateAdded: expected a YYYY-MM-DD date, got ${JSON.stringify(v.dateAdded)}`);
    }
    const kev: NonNullable<CveEnrichment['kev']> = { dateAdded: v.dateAdded };
    if (typeof v.dueDate === 'string' && DATE.test(v.dueDate)) kev.dueDate = v.dueDate;
    // "Known" or "Unknown" (schema: knownRansomwareCampaignUse).
    if (typeof v.knownRansomwareCampaignUse === 'string') kev.knownRansomware = v.knownRansomwareCampaignUse === 'Known';
    if (typeof v.requiredAction === 'string') kev.requiredAction = v.requiredAction;
    const e: CveEnrichment = { cve, kev };
    const cwes = Array.isArray(v.cwes) ? v.cwes.filter((c): c is string => typeof c === 'string' && /^CWE-\d+$/.test(c)) : [];
    if (cwes.length) e.cwes = cwes;
    return e;
  });
}
