import type { Advisory, AffectedPackage, AffectedStatus, Severity } from '../../../core/index.js';
import type { DebianReleases } from './releases.js';

/**
 * The security tracker's raw lists (salsa.debian.org security-tracker-team/security-tracker, data/CVE/list,
 * data/DSA/list, data/DLA/list), with the grammar of the tracker's own parser (lib/python/sectracker/parsers.py):
 *
 *   [11 Jul 2019] DSA-4480-1 redis - security update          header (CVE/list: "CVE-2021-36367 (description)")
 *           {CVE-2019-10192 CVE-2019-10193}                   cross references
 *           [stretch] - redis 3:3.2.6-3+deb9u3                fixed in a release
 *           [bullseye] - putty <no-dsa> (Minor issue)         pseudo-version: unfixed, no-dsa, not-affected, ignored,
 *           - ant <unfixed> (unimportant)                       postponed, end-of-life, undetermined, removed, itp
 *           NOTE: … / TODO: … / NOT-FOR-US: … / RESERVED / REJECTED
 *
 * A line without a release ("- pkg …") is about unstable (sid). Inner annotations "(low; bug #990901)" give the
 * urgency. Lists are edited by hand: as the tracker's consumers do (aquasecurity/vuln-list-update), a header or
 * annotation that fits no rule is reported and skipped instead of failing the whole feed.
 */

export type ListKind = 'CVE' | 'DSA' | 'DLA';

export interface ListStatement {
  /** Codename; undefined for the unstable line ("- pkg …"). */
  release?: string;
  pkg: string;
  /** "fixed" with a version, or the pseudo-version's word (unfixed, no-dsa, not-affected, …). */
  kind: string;
  version?: string;
  /** The parenthesised text (reason, urgency, bug). */
  inner?: string;
  severity?: Severity;
}

export interface ListEntry {
  id: string;
  /** Line number of the header (1-based). */
  line: number;
  /** ISO date of a DSA/DLA. */
  date?: string;
  description: string;
  xrefs: string[];
  statements: ListStatement[];
  /** NOT-FOR-US, RESERVED, REJECTED. */
  flags: string[];
}

export interface ListParseResult {
  entries: ListEntry[];
  warnings: string[];
}

const HEADER: Record<ListKind, RegExp> = {
  DSA: /^\[(\d\d) ([A-Z][a-z][a-z]) (\d{4})\] (DSA-\d+(?:-\d+)?)\s+(.*?)\s*$/,
  DLA: /^\[(\d\d) ([A-Z][a-z][a-z]) (\d{4})\] (DLA-\d+(?:-\d+)?)\s+(.*?)\s*$/,
  CVE: /^(CVE-\d{4}-(?:\d{4,}|XXXX)|TEMP-\d+-\S+)\s*(.*?)\s*$/,
};
const PKG_VERSION = /^\s+(?:\[([a-z]+)\]\s)?-\s([A-Za-z0-9:.+-]+)\s*(?:\s([A-Za-z0-9:.+~-]+)\s*)?(?:\s\((.*)\))?\s*$/;
const PKG_PSEUDO = /^\s+(?:\[([a-z]+)\]\s)?-\s([A-Za-z0-9:.+-]+)\s+<([a-z-]+)>\s*(?:\s\((.*)\))?\s*$/;
const XREF = /^\s+\{(.*)\}\s*$/;
const FLAG = /^\s+(RESERVED|REJECTED)\s*$/;
const TEXT = /^\s+(NOT-FOR-US|NOTE|TODO):\s*(.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function innerSeverity(inner: string | undefined): Severity | undefined {
  for (const part of (inner ?? '').split(';')) {
    const m = /^\s*(unimportant|low|medium|high)\s*$/.exec(part);
    if (m) return m[1] === 'unimportant' ? 'NEGLIGIBLE' : (m[1]!.toUpperCase() as Severity);
  }
  return undefined;
}

export function parseTrackerList(kind: ListKind, rel: string, data: Buffer | string): ListParseResult {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const lines = text.split('\n');
  const entries: ListEntry[] = [];
  const warnings: string[] = [];
  let cur: ListEntry | undefined;
  let skipping = false;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const n = i + 1;
    if (line.trim() === '') return;
    if (!/^\s/.test(line)) {
      const m = HEADER[kind].exec(line);
      if (!m) {
        warnings.push(`${rel}:${n}: malformed ${kind} header skipped with its annotations: ${JSON.stringify(line.slice(0, 80))}`);
        cur = undefined;
        skipping = true;
        return;
      }
      skipping = false;
      cur =
        kind === 'CVE'
          ? { id: m[1]!, line: n, description: m[2]!, xrefs: [], statements: [], flags: [] }
          : {
              id: m[4]!,
              line: n,
              date: `${m[3]}-${String(MONTHS.indexOf(m[2]!) + 1).padStart(2, '0')}-${m[1]}`,
              description: m[5]!,
              xrefs: [],
              statements: [],
              flags: [],
            };
      entries.push(cur);
      return;
    }
    if (!cur) {
      if (!skipping) warnings.push(`${rel}:${n}: annotation before any ${kind} header skipped`);
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = XREF.exec(line))) {
      cur.xrefs.push(...m[1]!.split(/\s+/).filter(Boolean));
    } else if ((m = FLAG.exec(line))) {
      cur.flags.push(m[1]!);
    } else if ((m = TEXT.exec(line))) {
      if (m[1] === 'NOT-FOR-US') cur.flags.push('NOT-FOR-US');
    } else if ((m = PKG_PSEUDO.exec(line))) {
      const severity = innerSeverity(m[4]);
      cur.statements.push({
        ...(m[1] ? { release: m[1] } : {}),
        pkg: m[2]!,
        kind: m[3]!,
        ...(m[4] ? { inner: m[4] } : {}),
        ...(severity ? { severity } : {}),
      });
    } else if ((m = PKG_VERSION.exec(line))) {
      const severity = innerSeverity(m[4]);
      cur.statements.push({
        ...(m[1] ? { release: m[1] } : {}),
        pkg: m[2]!,
        kind: m[3] ? 'fixed' : 'unfixed',
        ...(m[3] ? { version: m[3] } : {}),
        ...(m[4] ? { inner: m[4] } : {}),
        ...(severity ? { severity } : {}),
      });
    } else {
      warnings.push(`${rel}:${n}: ${cur.id}: unrecognised annotation skipped: ${JSON.stringify(line.trim().slice(0, 80))}`);
    }
  });
  return { entries, warnings };
}

/** A list statement as an affected entry; undefined for kinds that say nothing about a version (removed, itp). */
export function statementToAffected(s: ListStatement, distro: string, severity?: Severity): AffectedPackage | undefined {
  const open = [{ type: 'ECOSYSTEM' as const, events: [{ introduced: '0' }] }];
  const reason = s.inner && !innerSeverity(s.inner) ? `: ${s.inner}` : '';
  let status: AffectedStatus;
  let note: string | undefined;
  let ranges: AffectedPackage['ranges'] = open;
  switch (s.kind) {
    case 'fixed':
      status = 'fixed';
      ranges = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: s.version! }] }];
      break;
    case 'not-affected':
      status = 'not-affected';
      ranges = [];
      if (s.inner) note = s.inner;
      break;
    case 'unfixed':
      status = 'unfixed';
      break;
    case 'undetermined':
      status = 'unfixed';
      note = 'undetermined: the Debian security team has not triaged this release yet';
      break;
    case 'no-dsa':
      status = 'unfixed';
      note = `no-dsa${reason} (no security advisory planned; may be fixed in a point release)`;
      break;
    case 'postponed':
      status = 'unfixed';
      note = `postponed${reason} (to be fixed in a later update)`;
      break;
    case 'ignored':
      status = 'will-not-fix';
      note = `ignored${reason}`;
      break;
    case 'end-of-life':
      status = 'end-of-life';
      note = `end-of-life${reason}`;
      break;
    default:
      return undefined;
  }
  const sev = s.severity ?? severity;
  return { ecosystem: 'deb', distro, name: s.pkg, status, ranges, ...(sev ? { severity: sev } : {}), ...(note ? { note } : {}) };
}

/**
 * DSA/DLA advisories: id "DSA-4480-1", aliases its CVEs, one affected entry per "[release] - package version".
 * A regression update that lists no CVEs ("DSA-2808-2") takes those of the other advisories with the same number
 * (anchore/vunnel does the same). Entries with neither CVEs nor packages (announcements) are dropped.
 */
export function listAdvisories(
  entries: readonly ListEntry[],
  releases: DebianReleases,
  unknownReleases: Set<string>,
): Advisory[] {
  const cvesOfBase = new Map<string, string[]>();
  for (const e of entries) {
    const cves = e.xrefs.filter((x) => /^CVE-\d{4}-\d+$/.test(x));
    const base = e.id.replace(/-\d+$/, '');
    if (cves.length && !cvesOfBase.has(base)) cvesOfBase.set(base, cves);
  }
  const out: Advisory[] = [];
  for (const e of entries) {
    let aliases = e.xrefs.filter((x) => /^(CVE|DSA|DLA)-/.test(x) && x !== e.id);
    if (!aliases.some((a) => a.startsWith('CVE-'))) aliases = [...(cvesOfBase.get(e.id.replace(/-\d+$/, '')) ?? []), ...aliases];
    const affected: AffectedPackage[] = [];
    for (const s of e.statements) {
      const distro = releases.distro(s.release ?? 'sid');
      if (!distro) {
        unknownReleases.add(s.release ?? 'sid');
        continue;
      }
      const a = statementToAffected(s, distro);
      if (a) affected.push(a);
    }
    if (!aliases.length && !affected.length) continue;
    const summary = e.description.replace(/^(\S+) - /, '$1: ');
    out.push({
      id: e.id,
      source: 'debian',
      aliases: [...aliases.filter((a) => a.startsWith('CVE-')), ...aliases.filter((a) => !a.startsWith('CVE-'))],
      ...(summary ? { summary } : {}),
      ...(e.date ? { published: e.date } : {}),
      references: [`https://security-tracker.debian.org/tracker/${e.id}`],
      affected,
    });
  }
  return out;
}

/**
 * Advisories from data/CVE/list for the (CVE, package) pairs `skip` does not already hold (the JSON export, built
 * from the same list with the archive's versions, is complete where it exists). Only what a line states: the
 * unstable line and each "[release]" line; the unstable line's urgency applies to the package's other lines.
 * NOT-FOR-US, RESERVED, REJECTED and placeholder ids (CVE-2023-XXXX) give nothing.
 */
export function cveListAdvisories(
  entries: readonly ListEntry[],
  releases: DebianReleases,
  unknownReleases: Set<string>,
  skip: (id: string, pkg: string) => boolean,
): Advisory[] {
  const out: Advisory[] = [];
  for (const e of entries) {
    if (e.id.endsWith('-XXXX') || e.flags.length) continue;
    const urgency = new Map<string, Severity>();
    for (const s of e.statements) if (!s.release && s.severity) urgency.set(s.pkg, s.severity);
    const affected: AffectedPackage[] = [];
    for (const s of e.statements) {
      if (skip(e.id, s.pkg)) continue;
      const distro = releases.distro(s.release ?? 'sid');
      if (!distro) {
        unknownReleases.add(s.release ?? 'sid');
        continue;
      }
      const a = statementToAffected(s, distro, urgency.get(s.pkg));
      if (a) affected.push(a);
    }
    if (!affected.length) continue;
    const aliases = e.xrefs.filter((x) => /^(DSA|DLA)-/.test(x));
    const description = e.description.replace(/^\((.*)\)$/, '$1').replace(/^\[(.*)\]$/, '$1');
    out.push({
      id: e.id,
      source: 'debian',
      aliases,
      ...(description ? { summary: description } : {}),
      references: [`https://security-tracker.debian.org/tracker/${e.id}`],
      affected,
    });
  }
  return out;
}
