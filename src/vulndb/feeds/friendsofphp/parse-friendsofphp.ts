import { parse as parseYaml } from 'yaml';
import type { AffectedPackage, RangeEvent } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';

/**
 * One FriendsOfPHP security advisory (https://github.com/FriendsOfPHP/security-advisories#contributing),
 * `<vendor>/<package>/<name>.yaml`:
 *
 *   title, link, cve (or ~), reference: composer://vendor/package, composer-repository (false: not on Packagist)
 *   branches: { "2.7.x": { time, versions: ['>=2.7.0', '<2.7.2'] } }
 *
 * Each branch is one conjunction of constraints (the whole list must hold, as the PHP Security Advisories Checker
 * and Composer's `audit` read it); the package is affected when any branch holds. A branch becomes one ECOSYSTEM
 * range: `>=` → introduced, `<` → fixed, `<=` → last_affected, no lower bound → introduced "0". A `>` lower
 * bound has no OSV event: that branch gets its own AffectedPackage whose range starts at the bound and whose
 * `unaffected` excludes it ("<= bound").
 */

export interface FriendsOfPhpAdvisory {
  /** The file name without extension, e.g. "CVE-2015-1234" or "2015-08-06-1". */
  name: string;
  cve?: string;
  title?: string;
  link?: string;
  published?: string;
  affected: AffectedPackage[];
}

type Obj = Record<string, unknown>;

class FieldError extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Nulls of YAML's failsafe schema, used so that versions and dates stay strings. */
function absent(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '~' || v === 'null';
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return isObj(v) ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function optStr(d: Obj, field: string): string | undefined {
  const v = d[field];
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw new FieldError(field, `expected a string, found ${describe(v)}`);
  return v.trim();
}

const CONSTRAINT = /^\s*(>=|<=|>|<)\s*v?([0-9A-Za-z][0-9A-Za-z.+_-]*)\s*$/;

function branchRange(field: string, constraints: string[]): { events: RangeEvent[]; exclusiveFrom?: string } {
  let lo: { version: string; inclusive: boolean } | undefined;
  let hi: RangeEvent | undefined;
  constraints.forEach((c, i) => {
    const m = CONSTRAINT.exec(c);
    if (!m) throw new FieldError(`${field}.versions[${i}]`, `unsupported constraint ${JSON.stringify(c)}`);
    const [, op, version] = m as unknown as [string, string, string];
    if (op === '>=' || op === '>') {
      if (lo) throw new FieldError(`${field}.versions[${i}]`, 'a second lower bound');
      lo = { version, inclusive: op === '>=' };
    } else {
      if (hi) throw new FieldError(`${field}.versions[${i}]`, 'a second upper bound');
      hi = op === '<' ? { fixed: version } : { last_affected: version };
    }
  });
  const events: RangeEvent[] = [{ introduced: lo?.version ?? '0' }];
  if (hi) events.push(hi);
  return lo && !lo.inclusive ? { events, exclusiveFrom: lo.version } : { events };
}

/**
 * `rel` is the mirror-relative path (or "<archive>: entry <name>"); `path` the path inside the repository,
 * "<vendor>/<package>/<name>.yaml", which names the package when `reference` is absent.
 */
export function parseFriendsOfPhpAdvisory(rel: string, path: string, data: Buffer | string): FriendsOfPhpAdvisory {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const parts = path.split('/');
  const name = (parts.pop() ?? path).replace(/\.ya?ml$/i, '');
  const where = `friendsofphp: ${rel}: ${parts.join('/')}/${name}`;
  let doc: unknown;
  try {
    doc = parseYaml(text, { schema: 'failsafe' });
  } catch (e) {
    throw new VulnDbError('MALFORMED_FEED', `${where}: not valid YAML: ${String((e as Error).message).split('\n')[0]}`, { cause: e });
  }
  try {
    if (!isObj(doc)) throw new FieldError('(document)', `expected a mapping of advisory fields, found ${describe(doc)}`);
    return toAdvisory(name, parts.join('/'), doc);
  } catch (e) {
    if (e instanceof FieldError) throw new VulnDbError('MALFORMED_FEED', `${where}: ${e.message}`, { cause: e });
    throw e;
  }
}

function toAdvisory(name: string, dirPackage: string, d: Obj): FriendsOfPhpAdvisory {
  const reference = optStr(d, 'reference');
  let pkg = dirPackage;
  if (reference !== undefined) {
    const m = /^composer:\/\/([^/\s]+\/[^/\s]+)$/.exec(reference);
    if (!m) throw new FieldError('reference', `expected composer://vendor/package, found ${JSON.stringify(reference)}`);
    pkg = m[1]!;
  }
  if (!/^[^/]+\/[^/]+$/.test(pkg)) throw new FieldError('reference', 'missing, and the path does not name vendor/package');
  // Packagist names are case-insensitive and stored lower-case (composer normalises them).
  pkg = pkg.toLowerCase();

  const branches = d.branches;
  if (!isObj(branches)) throw new FieldError('branches', absent(branches) ? 'missing' : `expected a mapping, found ${describe(branches)}`);
  const main: AffectedPackage = { ecosystem: 'composer', name: pkg, status: 'affected', ranges: [] };
  const affected: AffectedPackage[] = [main];
  let published: string | undefined;
  for (const [branch, b] of Object.entries(branches)) {
    const field = `branches.${branch}`;
    if (!isObj(b)) throw new FieldError(field, `expected a mapping, found ${describe(b)}`);
    const versions = b.versions;
    if (!Array.isArray(versions) || versions.length === 0) {
      throw new FieldError(`${field}.versions`, absent(versions) ? 'missing' : `expected a non-empty list, found ${describe(versions)}`);
    }
    const constraints = versions.map((v, i) => {
      if (typeof v !== 'string') throw new FieldError(`${field}.versions[${i}]`, `expected a string, found ${describe(v)}`);
      return v;
    });
    const { events, exclusiveFrom } = branchRange(field, constraints);
    if (exclusiveFrom === undefined) main.ranges.push({ type: 'ECOSYSTEM', events });
    else affected.push({ ...main, ranges: [{ type: 'ECOSYSTEM', events }], unaffected: [[`<= ${exclusiveFrom}`]] });
    const time = optStr(b, 'time');
    // The earliest branch time is when the advisory was first published ("2015-08-06 22:08:00" → ISO date-time).
    if (time && /^\d{4}-\d{1,2}-\d{1,2}/.test(time)) {
      const iso = isoTime(time);
      if (!published || iso < published) published = iso;
    }
  }
  const cve = optStr(d, 'cve');
  const title = optStr(d, 'title');
  const link = optStr(d, 'link');
  return {
    name,
    ...(cve ? { cve } : {}),
    ...(title ? { title } : {}),
    ...(link ? { link } : {}),
    ...(published ? { published } : {}),
    affected: affected.filter((a) => a.ranges.length > 0),
  };
}

function isoTime(t: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(t)!;
  const p = (s: string | undefined) => (s ?? '0').padStart(2, '0');
  return m[4] === undefined ? `${m[1]}-${p(m[2])}-${p(m[3])}` : `${m[1]}-${p(m[2])}-${p(m[3])}T${p(m[4])}:${p(m[5])}:${p(m[6])}Z`;
}
