import type { CveEnrichment } from '../../core/index.js';

/**
 * Merges what several feeds say about one CVE into one CveEnrichment:
 *  - cvss: every assessment, each with its own source (never averaged or mixed), duplicates (same source and
 *    vector) once;
 *  - cwes: the union;
 *  - description and published: from the CVE record (cve5) first, then NVD, then any other feed;
 *  - kev: the KEV catalog's entry (due date, required action) over the CISA-ADP marker of a CVE record;
 *  - epss: the most recent score date.
 */
const TEXT_PRIORITY = ['cve5', 'nvd'];

function rank(feed: string): number {
  const i = TEXT_PRIORITY.indexOf(feed);
  return i < 0 ? TEXT_PRIORITY.length : i;
}

export function mergeEnrichments(cve: string, parts: readonly { feed: string; enrichment: CveEnrichment }[]): CveEnrichment {
  const ordered = [...parts].sort((a, b) => rank(a.feed) - rank(b.feed));
  const out: CveEnrichment = { cve };
  const cvss = new Map<string, NonNullable<CveEnrichment['cvss']>[number]>();
  const cwes = new Set<string>();
  for (const { feed, enrichment: e } of ordered) {
    for (const c of e.cvss ?? []) {
      const key = `${c.source}\u0000${c.vector}`;
      if (!cvss.has(key)) cvss.set(key, c);
    }
    for (const w of e.cwes ?? []) cwes.add(w);
    if (e.description && !out.description) out.description = e.description;
    if (e.published && !out.published) out.published = e.published;
    if (e.kev && (!out.kev || (feed === 'kev' && !out.kev.dueDate && !out.kev.requiredAction))) out.kev = e.kev;
    if (e.epss && (!out.epss || (e.epss.date ?? '') > (out.epss.date ?? ''))) out.epss = e.epss;
  }
  if (cvss.size) out.cvss = [...cvss.values()];
  if (cwes.size) out.cwes = [...cwes];
  return out;
}
