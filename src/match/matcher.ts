import {
  SEVERITIES,
  distroKey,
  type AffectedPackage,
  type CveEnrichment,
  type CvssScore,
  type Ecosystem,
  type Finding,
  type OperatingSystem,
  type Package,
  type ScanTarget,
  type Severity,
} from '../core/index.js';
import { comparatorFor, osvAuthorityOf } from '../vulndb/index.js';
import { isAffected } from './ranges.js';
import { isExplicitlyUnaffected } from './requirements.js';
import type { AdvisoryLookup, AdvisorySummary, Statement } from './source.js';

export interface MatchInput {
  packages: readonly Package[];
  os?: OperatingSystem;
}

export interface MatchResult {
  targets: ScanTarget[];
  /** False when some packages could not be matched (no data for their OS release or ecosystem). */
  complete: boolean;
  warnings: string[];
}

const OS_TYPES = new Set(['deb', 'rpm', 'apk']);
const ECOSYSTEM_OF: Partial<Record<string, Ecosystem>> = {
  deb: 'deb',
  rpm: 'rpm',
  apk: 'apk',
  npm: 'npm',
  pypi: 'pypi',
  maven: 'maven',
  gem: 'gem',
  golang: 'golang',
  cargo: 'cargo',
  nuget: 'nuget',
  composer: 'composer',
};
const LANG_TARGET: Record<string, string> = {
  npm: 'Node.js',
  pypi: 'Python',
  maven: 'Java',
  gem: 'Ruby',
  golang: 'Go',
  cargo: 'Rust',
  nuget: '.NET',
  composer: 'PHP',
};
const OS_DB: Record<string, string> = { deb: 'dpkg', rpm: 'rpm', apk: 'apk' };

/** How a package is looked up: OS packages by their source package and the distribution release. */
export function searchKey(p: Package, os: OperatingSystem | undefined): { ecosystem: Ecosystem; distro?: string; name: string; version: string } | undefined {
  const ecosystem = ECOSYSTEM_OF[p.type];
  if (!ecosystem) return undefined;
  const m = p.metadata;
  if (ecosystem === 'deb' || ecosystem === 'rpm' || ecosystem === 'apk') {
    if (!os) return undefined;
    const distro = distroKey(os.family, os.version);
    if (m?.kind === 'dpkg') return { ecosystem, distro, name: m.sourceName || p.name, version: m.sourceVersion || p.version };
    if (m?.kind === 'apk') return { ecosystem, distro, name: m.origin || p.name, version: p.version };
    if (m?.kind === 'rpm') return { ecosystem, distro, name: m.sourceName || p.name, version: p.version };
    return { ecosystem, distro, name: p.name, version: p.version };
  }
  return { ecosystem, name: p.name, version: p.version };
}

const isCve = (id: string) => /^CVE-\d{4}-\d+$/i.test(id);

/** The CVE a statement is about: its own id when that is a CVE, else its first CVE alias (CVE ids come first). */
function primaryCve(s: Statement): string | undefined {
  return [s.advisory.id, ...s.advisory.aliases].find(isCve)?.toUpperCase();
}

/**
 * Groups statements whose ids overlap (GHSA ↔ CVE ↔ GO ↔ DSA …): one group is one problem, named by its CVE.
 * Two statements about different CVEs are never joined, even when they share another id: upstream records bundle
 * problems (Xen's XSA-196 is CVE-2016-9377 and CVE-2016-9378 in Alpine's secdb; OSVDB-102613 is CVE-2014-1831 and
 * CVE-2014-1832 in RubySec), and chaining on such an id would report two problems as one finding and hide the
 * other. The same guard as the database's alias groups (vulndb store/alias-groups.ts); the statements' order (the
 * store's advisory id order) makes the result deterministic.
 */
function groupByProblem(statements: Statement[]): { cve?: string; statements: Statement[] }[] {
  const parent = statements.map((_, i) => i);
  const cve = statements.map(primaryCve);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const union = (i: number, j: number): void => {
    const a = find(i);
    const b = find(j);
    if (a === b) return;
    if (cve[a] !== undefined && cve[b] !== undefined && cve[a] !== cve[b]) return;
    parent[b] = a;
    cve[a] ??= cve[b];
  };
  const owners = new Map<string, number[]>();
  statements.forEach((s, i) => {
    for (const id of new Set([s.advisory.id, ...s.advisory.aliases].map((x) => x.toUpperCase()))) {
      const list = owners.get(id);
      if (!list) owners.set(id, [i]);
      else {
        for (const j of list) union(i, j);
        list.push(i);
      }
    }
  });
  const groups = new Map<number, Statement[]>();
  statements.forEach((s, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(s);
    else groups.set(r, [s]);
  });
  return [...groups].map(([root, list]) => ({ ...(cve[root] !== undefined ? { cve: cve[root] } : {}), statements: list }));
}

/** The id a problem is reported under: its CVE, else its GHSA, else the first advisory's own id. */
function preferredId(ids: string[], cve: string | undefined): string {
  if (cve !== undefined) return cve;
  return ids.find((i) => i.startsWith('GHSA-')) ?? ids[0]!;
}

function severityFromScore(score: number): Severity {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'UNKNOWN';
}

/** CVSS v3/v4 before v2; NVD first, then the CNA, then anyone. */
function bestCvss(list: CvssScore[]): CvssScore | undefined {
  const rank = (c: CvssScore) => (c.version.startsWith('3') ? 0 : c.version.startsWith('4') ? 1 : 2) * 10 + (c.source === 'nvd' ? 0 : c.source.startsWith('cna') ? 1 : 2);
  return [...list].sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * Who stated an advisory's severity: its feed, or for OSV records the database the record comes from, named from
 * the id prefix as the OSV feed names CvssScore.source ("ghsa", "go", "pypa", "ubuntu", …), so that a GHSA rating
 * reads "ghsa" and not the transport.
 */
function authorityOf(a: AdvisorySummary): string {
  if (a.source !== 'osv') return a.source;
  return osvAuthorityOf(a.id) ?? a.source;
}

const STATUS_RANK: Record<Finding['status'], number> = { fixed: 0, unfixed: 1, 'will-not-fix': 2, 'end-of-life': 3 };

interface Verdict {
  statement: Statement;
  status: Finding['status'];
  fixed: string[];
  constraint: string;
}

/** Evaluates one statement for one installed version; undefined when it does not apply. */
function evaluate(s: Statement, version: string, ecosystem: Ecosystem): Verdict | 'not-affected' | undefined {
  const a: AffectedPackage = s.affected;
  if (a.status === 'not-affected') return 'not-affected';
  const cmp = comparatorFor(ecosystem);
  if (a.status === 'unfixed' || a.status === 'will-not-fix' || a.status === 'end-of-life') {
    if (a.ranges.length || a.versions?.length) {
      const r = isAffected(version, a, cmp);
      if (!r.affected) return undefined;
    }
    return { statement: s, status: a.status, fixed: [], constraint: `${a.status}${a.note ? ` (${a.note})` : ''}` };
  }
  const r = isAffected(version, a, cmp);
  if (!r.affected || isExplicitlyUnaffected(version, a, cmp)) return undefined;
  const fixed = [...new Set(r.fixed ?? [])];
  return { statement: s, status: fixed.length ? 'fixed' : 'unfixed', fixed, constraint: r.constraint };
}

/**
 * Matches packages against the database. Precision first: OS packages only against their own distribution
 * release and by source package; language packages installed by an OS package are left to the distribution's
 * verdict; a vendor's not-affected statement removes the problem; withdrawn advisories never match.
 */
export function matchPackages(input: MatchInput, db: AdvisoryLookup): MatchResult {
  const warnings: string[] = [];
  let complete = true;
  const os = input.os;
  const byTarget = new Map<string, ScanTarget>();
  const pending: { finding: Finding; cves: string[] }[] = [];
  const uncovered = new Map<string, number>();
  let unmatchable = 0;

  for (const p of input.packages) {
    const isOs = OS_TYPES.has(p.type);
    const targetName = isOs
      ? `${os ? `${os.family} ${os.version}` : 'unknown OS'} (${OS_DB[p.type]})`
      : `${LANG_TARGET[p.type] ?? p.type} (${p.type})`;
    let t = byTarget.get(targetName);
    if (!t) {
      t = { name: targetName, class: isOs ? 'os-pkgs' : 'lang-pkgs', type: isOs ? (os?.family ?? p.type) : p.type, packages: 0, findings: [] };
      byTarget.set(targetName, t);
    }
    t.packages++;
    // The distribution's advisories cover what its packages installed (Debian's python3-*, lib*-java …).
    if (!isOs && p.ownedBy) continue;
    const key = searchKey(p, os);
    if (!key) {
      if (isOs) uncovered.set(`${p.type} packages without a detected OS`, (uncovered.get(`${p.type} packages without a detected OS`) ?? 0) + 1);
      else unmatchable++;
      continue;
    }
    if (!db.covers(key.ecosystem, key.distro)) {
      const what = key.distro ?? key.ecosystem;
      uncovered.set(what, (uncovered.get(what) ?? 0) + 1);
      continue;
    }
    const statements = db.lookup(key.ecosystem, key.distro, key.name).filter((s) => !s.advisory.withdrawn);
    if (!statements.length) continue;
    for (const { cve, statements: group } of groupByProblem(statements)) {
      const verdicts: Verdict[] = [];
      let notAffected = false;
      for (const s of group) {
        const v = evaluate(s, key.version, key.ecosystem);
        if (v === 'not-affected') notAffected = true;
        else if (v) verdicts.push(v);
      }
      if (notAffected || verdicts.length === 0) continue;
      const ids = [...new Set(group.flatMap((s) => [s.advisory.id, ...s.advisory.aliases]))];
      const id = preferredId(ids, cve);
      const fixed = [...new Set(verdicts.flatMap((v) => v.fixed))];
      const cmp = comparatorFor(key.ecosystem);
      fixed.sort((a, b) => cmp.compare(a, b));
      const status = fixed.length ? 'fixed' : verdicts.map((v) => v.status).sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b])[0]!;
      // The statement that explains the finding: one with a fix if there is one, the distro's own first.
      const main = verdicts.find((v) => v.fixed.length) ?? verdicts[0]!;
      const adv = main.statement.advisory;
      // Vendor severity first (the statement about this package), then the advisory's own rating, each with who
      // stated it.
      const rated = (s: Severity | undefined): s is Severity => s !== undefined && s !== 'UNKNOWN';
      const vendor = verdicts.find((v) => rated(v.statement.affected.severity))?.statement;
      const rater = group.find((s) => rated(s.advisory.severity));
      const rating = vendor
        ? { severity: vendor.affected.severity!, by: vendor.advisory }
        : rater
          ? { severity: rater.advisory.severity!, by: rater.advisory }
          : undefined;
      // Upstream records repeat vectors (Ubuntu's OSV states its CVSS twice); one per source and vector.
      const cvss = [...new Map(group.flatMap((s) => s.advisory.cvss ?? []).map((c) => [`${c.source} ${c.vector}`, c])).values()];
      const finding: Finding = {
        id,
        aliases: ids.filter((i) => i.toUpperCase() !== id.toUpperCase()).sort(),
        package: {
          purl: p.purl,
          type: p.type,
          name: p.name,
          version: p.version,
          ...(key.name !== p.name ? { sourceName: key.name } : {}),
          paths: p.locations,
          ...(p.layer ? { layer: p.layer } : {}),
        },
        severity: rating?.severity ?? 'UNKNOWN',
        ...(rating ? { severitySource: authorityOf(rating.by) } : {}),
        ...(cvss.length ? { cvss } : {}),
        ...(group.some((s) => s.advisory.cwes?.length) ? { cwes: [...new Set(group.flatMap((s) => s.advisory.cwes ?? []))] } : {}),
        ...(group.find((s) => s.advisory.summary) ? { title: group.find((s) => s.advisory.summary)!.advisory.summary! } : {}),
        ...(group.find((s) => s.advisory.details) ? { description: group.find((s) => s.advisory.details)!.advisory.details! } : {}),
        status,
        fixedVersions: fixed,
        ...(adv.published ? { published: adv.published } : {}),
        ...(adv.modified ? { modified: adv.modified } : {}),
        ...(group.some((s) => s.advisory.references?.length) ? { references: [...new Set(group.flatMap((s) => s.advisory.references ?? []))] } : {}),
        match: {
          matcher: isOs ? `${key.ecosystem}-distro` : `${key.ecosystem}-osv`,
          advisory: adv.id,
          feed: adv.source,
          ecosystem: key.ecosystem,
          ...(key.distro ? { distro: key.distro } : {}),
          searchedBy: key.name,
          constraint: main.constraint,
        },
      };
      pending.push({ finding, cves: ids.filter(isCve).map((c) => c.toUpperCase()) });
      t.findings.push(finding);
    }
  }

  // Enrichment in one batch: CVSS, CWE, descriptions, KEV, EPSS of every CVE found.
  const enrich = db.enrichments([...new Set(pending.flatMap((p) => p.cves))]);
  for (const { finding, cves } of pending) applyEnrichment(finding, cves.map((c) => enrich.get(c)).filter((e): e is CveEnrichment => !!e));

  for (const [what, n] of uncovered) {
    complete = false;
    warnings.push(`${n} package(s) not scanned: the vulnerability database has no data for ${what} (update it with \`tollgate db update\`, or this OS is not supported)`);
  }
  if (unmatchable) warnings.push(`${unmatchable} package(s) of ecosystems without a vulnerability source were not matched`);

  const targets = [...byTarget.values()];
  for (const t of targets) t.findings.sort(compareFindings);
  targets.sort((a, b) => (a.class === b.class ? a.name.localeCompare(b.name) : a.class === 'os-pkgs' ? -1 : 1));
  return { targets, complete, warnings };
}

function applyEnrichment(f: Finding, list: CveEnrichment[]): void {
  if (!list.length) return;
  const cvss = [...(f.cvss ?? [])];
  for (const e of list) for (const c of e.cvss ?? []) if (!cvss.some((x) => x.vector === c.vector && x.source === c.source)) cvss.push(c);
  if (cvss.length) f.cvss = cvss;
  const cwes = new Set([...(f.cwes ?? []), ...list.flatMap((e) => e.cwes ?? [])]);
  if (cwes.size) f.cwes = [...cwes];
  const desc = list.find((e) => e.description)?.description;
  if (!f.description && desc) f.description = desc;
  if (!f.published && list[0]?.published) f.published = list[0].published;
  const kev = list.find((e) => e.kev)?.kev;
  if (kev) f.kev = { dateAdded: kev.dateAdded, ...(kev.dueDate ? { dueDate: kev.dueDate } : {}), ...(kev.knownRansomware !== undefined ? { knownRansomware: kev.knownRansomware } : {}) };
  const epss = list.find((e) => e.epss)?.epss;
  if (epss) f.epss = { score: epss.score, percentile: epss.percentile };
  if (f.severity === 'UNKNOWN' && cvss.length) {
    const best = bestCvss(cvss)!;
    f.severity = severityFromScore(best.score);
    f.severitySource = best.source;
  }
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.package.name.localeCompare(b.package.name) ||
    a.package.purl.localeCompare(b.package.purl) ||
    a.id.localeCompare(b.id)
  );
}
