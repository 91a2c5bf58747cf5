/**
 * The normalised vulnerability data every feed produces and the matcher consumes (DESIGN.md §1: `Advisory`).
 * Feeds keep their own identifiers; aliases (CVE ↔ GHSA ↔ DSA/DLA ↔ ALPINE …) link records that describe the same
 * problem, so that one problem becomes one finding.
 */

/** Severity scale of the report (Trivy's names; NEGLIGIBLE is Debian's `unimportant`). */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NEGLIGIBLE' | 'UNKNOWN';

export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NEGLIGIBLE', 'UNKNOWN'];

/** Ecosystems advisories are keyed by: purl types (https://github.com/package-url/purl-spec). */
export type Ecosystem = 'deb' | 'rpm' | 'apk' | 'npm' | 'pypi' | 'maven' | 'gem' | 'golang' | 'cargo' | 'nuget' | 'composer';

export const ECOSYSTEMS: readonly Ecosystem[] = ['deb', 'rpm', 'apk', 'npm', 'pypi', 'maven', 'gem', 'golang', 'cargo', 'nuget', 'composer'];

/** One CVSS assessment, as a vector plus the score its source states. */
export interface CvssScore {
  /** "2.0", "3.0", "3.1", "4.0". */
  version: string;
  vector: string;
  score: number;
  /** Who scored it: "nvd", "ghsa", "cna:<org>", "cisa-adp", "redhat", … */
  source: string;
}

/** OSV range events (https://ossf.github.io/osv-schema/#affectedrangesevents-fields). */
export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface VersionRange {
  /** ECOSYSTEM: the ecosystem's own ordering; SEMVER: SemVer 2.0 precedence; GIT: commit hashes (not matchable on versions). */
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT';
  events: RangeEvent[];
}

/**
 * What the vendor says about one package in one advisory.
 *  - affected: vulnerable in the ranges/versions given (a fixed event is the remediation)
 *  - fixed: (distro feeds) fixed in `fixed`; versions below are vulnerable
 *  - unfixed: every version is vulnerable, no fix yet
 *  - not-affected: the vendor says this package/release is not affected (a finding must not be raised)
 *  - will-not-fix: vulnerable, the vendor will not fix it (Debian `<ignored>`, Red Hat "Will not fix"; Debian
 *    `<no-dsa>`/`<postponed>` stay unfixed: no advisory planned, but a point release may still fix them)
 *  - end-of-life: vulnerable, the release or package is out of support
 */
export type AffectedStatus = 'affected' | 'fixed' | 'unfixed' | 'not-affected' | 'will-not-fix' | 'end-of-life';

export interface AffectedPackage {
  ecosystem: Ecosystem;
  /**
   * For OS packages: the distribution release the statement is about, "<family>:<release>" with the family as
   * `OperatingSystem.family` writes it and the release as the feed names it, normalised: "debian:12", "alpine:3.19",
   * "ubuntu:22.04", "redhat:9", "rocky:9", "alma:9", "wolfi:rolling" — exactly what `distroKey(os.family, os.version)`
   * returns for an image of that release. Absent for language ecosystems.
   */
  distro?: string;
  /**
   * Package name as the ecosystem's matcher looks it up: Debian/Ubuntu/RPM **source** package names, apk origin
   * names, PEP 503-normalised PyPI names, "group:artifact" for Maven, module path for Go, "vendor/name" composer.
   */
  name: string;
  status: AffectedStatus;
  /** OSV-style ranges; for distro feeds a single ECOSYSTEM range {introduced: "0"}, {fixed: v} when fixed. */
  ranges: VersionRange[];
  /** Explicitly enumerated affected versions (OSV `versions`). */
  versions?: string[];
  /**
   * Versions that are NOT affected, as requirement sets in the ecosystem's own syntax, for sources that state
   * patched/unaffected requirements which OSV events cannot express exactly (RubySec `<=`/`=` bounds, FriendsOfPHP
   * `>` bounds). Each inner array is one requirement whose constraints must all hold; each constraint is
   * "OP VERSION" with OP one of `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>` (`~>` only for gem, RubyGems' meaning:
   * `v >= r && v.release < r.bump`), versions compared with the ecosystem's Comparator. Only set where needed;
   * then `ranges` over-approximate and a version is affected iff it is in `ranges` AND satisfies none of these.
   */
  unaffected?: string[][];
  /** Severity the source gives for this package (Debian urgency, OSV ecosystem_specific/database_specific). */
  severity?: Severity;
  /** Free text the vendor attaches (Debian tracker notes, Red Hat statements). */
  note?: string;
}

export interface Advisory {
  /** The feed's own id: GHSA-…, GO-…, PYSEC-…, RUSTSEC-…, CVE-…, DSA-…, ALPINE-CVE-… */
  id: string;
  /** Feed that produced it (feed module id: "osv", "debian", "alpine", …). */
  source: string;
  /** Other ids of the same problem (OSV aliases + upstream; CVE ids first). */
  aliases: string[];
  /** Related but different problems (OSV `related`). */
  related?: string[];
  summary?: string;
  details?: string;
  published?: string;
  modified?: string;
  /** Set when the advisory was withdrawn: it must never produce a finding. */
  withdrawn?: string;
  /** The source's overall severity (GHSA database_specific.severity, …). */
  severity?: Severity;
  cvss?: CvssScore[];
  cwes?: string[];
  references?: string[];
  affected: AffectedPackage[];
}

/** Per-CVE enrichment kept apart from advisories (NVD / CVE 5 records, CISA KEV, EPSS). */
export interface CveEnrichment {
  cve: string;
  cvss?: CvssScore[];
  cwes?: string[];
  description?: string;
  published?: string;
  kev?: { dateAdded: string; dueDate?: string; knownRansomware?: boolean; requiredAction?: string };
  epss?: { score: number; percentile: number; date?: string };
}

/**
 * The key distro advisories are stored and looked up under for an OS of `family` (OperatingSystem.family) and
 * `version` (as the image writes it): the release granularity at which the distribution publishes its
 * security data. Debian and RHEL-like: major version; Ubuntu: YY.MM; Alpine: major.minor ("edge" stays);
 * Amazon Linux: 1 (2018.03 …), 2, 2023; rolling distributions: "rolling".
 */
export function distroKey(family: string, version: string): string {
  const v = version.trim().toLowerCase();
  const parts = v.split('.');
  switch (family) {
    case 'debian':
      if (/^\d/.test(v)) return `debian:${parts[0]}`;
      // "trixie/sid", "bookworm/sid" in debian_version of testing/unstable
      return `debian:${v.includes('sid') ? 'unstable' : v}`;
    case 'ubuntu':
      return `ubuntu:${parts.slice(0, 2).join('.')}`;
    case 'alpine':
      return `alpine:${/^\d/.test(v) ? parts.slice(0, 2).join('.') : v}`;
    case 'amazon':
      return `amazon:${/^20\d\d\.\d\d/.test(v) ? '1' : parts[0]}`;
    case 'wolfi':
    case 'chainguard':
      return `${family}:rolling`;
    case 'redhat':
    case 'centos':
    case 'rocky':
    case 'alma':
    case 'oracle':
    case 'fedora':
      return `${family}:${parts[0]}`;
    default:
      return `${family}:${v}`;
  }
}
