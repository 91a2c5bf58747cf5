import type { Advisory, AffectedPackage, CveEnrichment, Ecosystem } from '../core/index.js';

/** The advisory fields a match needs (the store may hand out a lighter object than a full Advisory). */
export type AdvisorySummary = Pick<Advisory, 'id' | 'source' | 'aliases'> &
  Partial<Pick<Advisory, 'summary' | 'details' | 'severity' | 'cvss' | 'cwes' | 'withdrawn' | 'published' | 'modified' | 'references'>>;

export interface Statement {
  advisory: AdvisorySummary;
  affected: AffectedPackage;
}

/** What the matcher reads from the vulnerability database (src/vulndb's store implements it). */
export interface AdvisoryLookup {
  /** Every statement about `name` in `ecosystem` (and, for OS packages, the distro release key). */
  lookup(ecosystem: Ecosystem, distro: string | undefined, name: string): readonly Statement[];
  /** Per-CVE enrichment (CVSS, CWE, KEV, EPSS) for the ids given; missing ids are simply absent. */
  enrichments(cves: readonly string[]): Map<string, CveEnrichment>;
  /** Whether the database holds any data for an ecosystem (and distro): without it a scan cannot be complete. */
  covers(ecosystem: Ecosystem, distro?: string): boolean;
}
