import type { Advisory, AffectedPackage, AffectedStatus, Severity } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import type { DebianReleases } from './releases.js';
import { parseFeedJson } from '../../mirror/json-files.js';

/**
 * The Debian security tracker's JSON export (https://security-tracker.debian.org/tracker/data/json), generated
 * from the tracker's data/CVE/list and the archive:
 *
 *   { "<source package>": { "<CVE-… | TEMP-…>": { description, scope, debianbug,
 *       releases: { "<codename>": { status: resolved | open | undetermined, fixed_version, urgency,
 *                                   nodsa, nodsa_reason: "" | ignored | postponed, repositories } } } } }
 *
 * Per release (bookworm → distro "debian:12", sid → "debian:unstable"), by source package:
 *  - resolved, fixed_version "0" → not-affected (the vulnerable code was never in that release);
 *  - resolved, fixed_version v → fixed, range {introduced 0, fixed v};
 *  - open → unfixed, range {introduced 0}; will-not-fix when nodsa_reason is "ignored" (`<ignored>`),
 *    end-of-life when the urgency is "end-of-life" (`<end-of-life>`: the package is out of security support);
 *    a `<no-dsa>`/`<postponed>` issue stays unfixed (a point release may still fix it), with a note;
 *  - undetermined → unfixed with a note (the security team has not triaged the release yet).
 * Urgency (its "**" suffix marks an urgency taken from NVD) → severity: low/medium/high → LOW/MEDIUM/HIGH,
 * unimportant → NEGLIGIBLE, "not yet assigned" → UNKNOWN.
 *
 * One advisory per id, with one affected entry per (package, release).
 */

export interface TrackerJsonResult {
  advisories: Advisory[];
  /** Codenames that map to no Debian release (reported once by the feed). */
  unknownReleases: Set<string>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  return isObj(v) ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Urgency → severity; undefined for "end-of-life" (a status, not a rating) and words the tracker does not use. */
export function urgencySeverity(urgency: string): Severity | undefined {
  switch (urgency.replace(/\*+$/, '').trim()) {
    case 'low':
      return 'LOW';
    case 'medium':
      return 'MEDIUM';
    case 'high':
      return 'HIGH';
    case 'unimportant':
      return 'NEGLIGIBLE';
    case 'not yet assigned':
      return 'UNKNOWN';
    default:
      return undefined;
  }
}

class EntryError extends Error {}

function releaseStatement(r: Obj): Omit<AffectedPackage, 'ecosystem' | 'distro' | 'name'> {
  const str = (field: string): string | undefined => {
    const v = r[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new EntryError(`${field}: expected a string, found ${describe(v)}`);
    return v;
  };
  const status = str('status');
  const urgency = str('urgency') ?? '';
  const severity = urgencySeverity(urgency);
  const nodsa = str('nodsa');
  const reason = str('nodsa_reason') ?? '';
  let out: { status: AffectedStatus; ranges: AffectedPackage['ranges']; note?: string };
  switch (status) {
    case 'resolved': {
      const fixed = str('fixed_version');
      if (!fixed) throw new EntryError('status "resolved" without fixed_version');
      out =
        fixed === '0'
          ? { status: 'not-affected', ranges: [] }
          : { status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] };
      break;
    }
    case 'open':
    case 'undetermined': {
      const ranges: AffectedPackage['ranges'] = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }];
      const notes: string[] = [];
      let s: AffectedStatus = 'unfixed';
      if (status === 'undetermined') notes.push('undetermined: the Debian security team has not triaged this release yet');
      if (urgency.startsWith('end-of-life')) {
        s = 'end-of-life';
        notes.push('end-of-life: the package is no longer supported with security updates in this release');
      } else if (reason === 'ignored') {
        s = 'will-not-fix';
        notes.push(`ignored${nodsa ? `: ${nodsa}` : ''}`);
      } else if (reason === 'postponed') {
        notes.push(`postponed${nodsa ? `: ${nodsa}` : ''} (to be fixed in a later update)`);
      } else if (nodsa !== undefined) {
        notes.push(`no-dsa${nodsa ? `: ${nodsa}` : ''} (no security advisory planned; may be fixed in a point release)`);
      }
      out = { status: s, ranges, ...(notes.length ? { note: notes.join('; ') } : {}) };
      break;
    }
    default:
      throw new EntryError(`status: expected resolved, open or undetermined, found ${describe(r.status)}`);
  }
  return { ...out, ...(severity ? { severity } : {}) };
}

/** Parses the whole tracker JSON; `rel` names the file in errors. */
export function parseTrackerJson(rel: string, data: Buffer | string, releases: DebianReleases): TrackerJsonResult {
  const doc = parseFeedJson('debian', rel, data);
  if (!isObj(doc)) throw new VulnDbError('MALFORMED_FEED', `debian: ${rel}: expected {source package: {CVE: …}}, found ${describe(doc)}`);
  const byId = new Map<string, Advisory>();
  const unknownReleases = new Set<string>();
  for (const [pkg, issues] of Object.entries(doc)) {
    if (!isObj(issues)) throw new VulnDbError('MALFORMED_FEED', `debian: ${rel}: ${pkg}: expected {CVE: …}, found ${describe(issues)}`);
    for (const [id, issue] of Object.entries(issues)) {
      const where = `debian: ${rel}: ${pkg} ${id}`;
      if (!isObj(issue)) throw new VulnDbError('MALFORMED_FEED', `${where}: expected an object, found ${describe(issue)}`);
      // An issue with no release yet has "releases": [] (an empty mapping serialised as a list by the tracker).
      const rels = Array.isArray(issue.releases) && issue.releases.length === 0 ? {} : issue.releases;
      if (!isObj(rels)) throw new VulnDbError('MALFORMED_FEED', `${where}: releases: expected an object, found ${describe(rels)}`);
      const description = issue.description;
      if (description !== undefined && description !== null && typeof description !== 'string') {
        throw new VulnDbError('MALFORMED_FEED', `${where}: description: expected a string, found ${describe(description)}`);
      }
      const bug = issue.debianbug;
      if (bug !== undefined && bug !== null && typeof bug !== 'number' && typeof bug !== 'string') {
        throw new VulnDbError('MALFORMED_FEED', `${where}: debianbug: expected a bug number, found ${describe(bug)}`);
      }
      let adv = byId.get(id);
      if (!adv) {
        adv = {
          id,
          source: 'debian',
          aliases: [],
          ...(description ? { details: description } : {}),
          references: [`https://security-tracker.debian.org/tracker/${id}`],
          affected: [],
        };
        byId.set(id, adv);
      }
      const bugUrl = bug !== undefined && bug !== null && bug !== '' ? `https://bugs.debian.org/${bug}` : undefined;
      if (bugUrl && !adv.references!.includes(bugUrl)) adv.references!.push(bugUrl);
      for (const [codename, r] of Object.entries(rels)) {
        if (!isObj(r)) throw new VulnDbError('MALFORMED_FEED', `${where}: releases.${codename}: expected an object, found ${describe(r)}`);
        let statement;
        try {
          statement = releaseStatement(r);
        } catch (e) {
          if (e instanceof EntryError) throw new VulnDbError('MALFORMED_FEED', `${where}: releases.${codename}: ${e.message}`, { cause: e });
          throw e;
        }
        const distro = releases.distro(codename);
        if (!distro) {
          unknownReleases.add(codename);
          continue;
        }
        adv.affected.push({ ecosystem: 'deb', distro, name: pkg, ...statement });
      }
    }
  }
  return { advisories: [...byId.values()], unknownReleases };
}
