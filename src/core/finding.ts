import type { CvssScore, Ecosystem, Severity } from './advisory.js';
import type { ImageMetadata } from './image.js';
import type { LayerRef } from './layer.js';
import type { OperatingSystem } from './os.js';

/**
 * One vulnerability of one package (DESIGN.md §1: `Finding`): the same problem reported by several feeds under
 * several ids is one finding, listing the aliases. Every finding explains itself (§3.7): `match` says which
 * matcher searched what and found which statement.
 */
export interface Finding {
  /** Preferred id: the CVE when there is one, else the advisory's own id (GHSA-…, GO-…, RUSTSEC-…). */
  id: string;
  aliases: string[];
  /** The package, as in the SBOM. */
  package: {
    purl: string;
    type: string;
    name: string;
    version: string;
    /** Source package for OS packages (what the distro advisory was matched on). */
    sourceName?: string;
    /** Where the package's evidence is (database file, lockfile, jar path). */
    paths: string[];
    layer?: LayerRef;
  };
  severity: Severity;
  /** Where `severity` came from: "debian", "ghsa", "nvd", "cna", … */
  severitySource?: string;
  cvss?: CvssScore[];
  cwes?: string[];
  title?: string;
  description?: string;
  /** vulnerable: a fix may exist (see fixedVersions); unfixed: none yet; will-not-fix / end-of-life: vendor statuses. */
  status: 'fixed' | 'unfixed' | 'will-not-fix' | 'end-of-life';
  /** Versions that fix it (the remediation), lowest first; empty when none is known. */
  fixedVersions: string[];
  published?: string;
  modified?: string;
  references?: string[];
  kev?: { dateAdded: string; dueDate?: string; knownRansomware?: boolean };
  epss?: { score: number; percentile: number };
  match: {
    matcher: string;
    /** The advisory whose statement matched, and its feed. */
    advisory: string;
    feed: string;
    ecosystem: Ecosystem;
    distro?: string;
    /** The name looked up (source package, normalised name, group:artifact). */
    searchedBy: string;
    /** Human-readable: the range or status that matched, e.g. "< 1.2.3 (fixed 1.2.3)" or "deb source openssl: <unfixed>". */
    constraint: string;
  };
  /** Present when the finding is suppressed (ignore file, VEX); suppressed findings do not count towards gates. */
  suppressed?: {
    by: 'ignorefile' | 'vex';
    reason?: string;
    statement?: string;
    source?: string;
    /** VEX only: the statement's status, normalised (CycloneDX resolved → fixed); report writers map it back. */
    status?: 'not_affected' | 'fixed' | 'false_positive';
    /** VEX only: the justification as the document writes it (OpenVEX or CycloneDX vocabulary). */
    justification?: string;
  };
}

/** What the scan looked at, and what it could not look at (an incomplete scan is never clean, see ScanReport.complete). */
export interface ScanTarget {
  /** "debian 12.5 (dpkg)", "node-pkg", "python-pkg", … (Trivy's Target/Class idea). */
  name: string;
  class: 'os-pkgs' | 'lang-pkgs';
  type: string;
  packages: number;
  findings: Finding[];
}

export interface ScanReport {
  schemaVersion: 1;
  tool: { name: 'tollgate'; version: string };
  createdAt: string;
  /** What was scanned: an image (with its metadata) or an SBOM file. */
  artifact: { input: string; kind: string; image?: ImageMetadata; sbomFormat?: string };
  os?: OperatingSystem;
  /** Vulnerability database used: build time, age, sources; `stale` when older than the freshness limit. */
  db: { builtAt: string; ageHours: number; stale: boolean; sources: { feed: string; records: number }[] };
  targets: ScanTarget[];
  /** Counts of unsuppressed findings per severity, over all targets. */
  summary: Record<Severity, number> & { total: number; suppressed: number };
  /** False when any layer, package database or ecosystem could not be read or matched: never a clean report then. */
  complete: boolean;
  warnings: string[];
}
