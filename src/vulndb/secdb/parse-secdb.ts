import { parse as parseYaml } from 'yaml';
import { VulnDbError } from '../../core/index.js';

/**
 * Alpine's security database ("secdb", https://secdb.alpinelinux.org/), which Wolfi and Chainguard publish in the
 * same shape. Three forms carry the same package entries:
 *  - a branch/repository document, JSON as secdb.alpinelinux.org serves it (`v3.19/main.json`) or YAML as the old
 *    alpinelinux/alpine-secdb repository kept it: {distroversion: "v3.19", reponame, packages: [{pkg: {name, secfixes}}]};
 *    Wolfi/Chainguard `security.json` has no distroversion (rolling);
 *  - one package per file as aquasecurity/vuln-list stores it: {name, secfixes, distroversion, reponame}.
 * `secfixes` maps a package version to the ids fixed in it; version "0" means the package was never affected.
 * Entries are fix statements only: a package below the fixed version (in apk order) is vulnerable.
 *
 * An entry is normally one id ("CVE-2019-14904") but may be several ids of one problem ("CVE-2017-8903 XSA-213"),
 * carry a remark ("CVE-2018-1000120 (BGP)") or a typo ("CVE_2019-2426", "CVE 2018-16859", "CVE-2019-19451.patch",
 * "CVE-2017-17434-1"); these are normalised. An entry without any id ("CVE-????-?????") is reported and skipped.
 */

export interface SecfixStatement {
  /** The package (Alpine: the origin/source package name). */
  pkg: string;
  /** The fixed version, "0" when not affected. */
  fixed: string;
  /** Primary id (a CVE when the entry names one), then the other ids of the same entry. */
  ids: string[];
  /** Remarks in parentheses. */
  note?: string;
}

export interface SecdbFile {
  /** "v3.19", "edge", or undefined (rolling: Wolfi, Chainguard). */
  distroversion?: string;
  reponame?: string;
  statements: SecfixStatement[];
  /** Entries that were skipped (no recognisable id), for `ctx.warn`. */
  skipped: string[];
}

type Obj = Record<string, unknown>;

class FieldError extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return isObj(v) ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Empty values: JSON null, YAML failsafe "" / "~" / "null", and `{}` (seen in secdb JSON for a version with no ids). */
function empty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '~' || v === 'null' || (isObj(v) && Object.keys(v).length === 0);
}

const CVE = /^CVE-\d{4}-\d{4,}$/;
/** Other advisory ids seen in secdb entries: Xen (XSA), Talos, Wireshark (wnpa-sec), Zabbix (ZBX), GHSA, Alpine. */
const OTHER_ID = /^(?:XSA-\d+|TALOS-\d{4}-\d+|wnpa-sec-\d{4}-\d+|ZBX-\d+|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|ALPINE-\d+|OSV-\d{4}-\d+)$/;

/** The ids of one secfixes entry; empty when it names none. */
export function parseSecfixEntry(entry: string): { ids: string[]; note?: string } {
  const notes: string[] = [];
  const text = entry
    .replace(/\(([^)]*)\)/g, (_, inner: string) => {
      if (inner.trim()) notes.push(inner.trim());
      return ' ';
    })
    // "CVE_2019-2426", "CVE 2018-16859"
    .replace(/\bCVE[ _]+(\d{4}-\d{4,})/gi, 'CVE-$1');
  const cves: string[] = [];
  const others: string[] = [];
  for (let token of text.split(/\s+/)) {
    token = token.replace(/[.,;:]+$/, '').replace(/\.patch$/i, '');
    if (/^cve-/.test(token)) token = token.toUpperCase();
    // "CVE-2017-17434-1", "-2": parts of one CVE's fix.
    const part = /^(CVE-\d{4}-\d{4,})-\d+$/.exec(token);
    if (part) token = part[1]!;
    if (CVE.test(token)) {
      if (!cves.includes(token)) cves.push(token);
    } else if (OTHER_ID.test(token) && !others.includes(token)) {
      others.push(token);
    }
  }
  return { ids: [...cves, ...others], ...(notes.length ? { note: notes.join('; ') } : {}) };
}

function secfixes(field: string, v: unknown, pkg: string, out: SecdbFile): void {
  if (empty(v)) return;
  if (!isObj(v)) throw new FieldError(field, `expected a mapping of version to ids, found ${describe(v)}`);
  for (const [version, list] of Object.entries(v)) {
    if (empty(list)) continue;
    if (!Array.isArray(list)) throw new FieldError(`${field}.${version}`, `expected a list of ids, found ${describe(list)}`);
    list.forEach((item, i) => {
      if (typeof item !== 'string') throw new FieldError(`${field}.${version}[${i}]`, `expected a string, found ${describe(item)}`);
      const { ids, note } = parseSecfixEntry(item);
      if (ids.length === 0) {
        out.skipped.push(`${pkg} ${version}: ${JSON.stringify(item)}`);
        return;
      }
      // Each CVE of a multi-CVE entry ("CVE-2017-5715 CVE-2017-5753 XSA-254") is its own statement, with the
      // entry's non-CVE ids as aliases.
      const cves = ids.filter((x) => CVE.test(x));
      const others = ids.filter((x) => !CVE.test(x));
      for (const primary of cves.length ? cves : [others[0]!]) {
        out.statements.push({ pkg, fixed: version, ids: [primary, ...others.filter((o) => o !== primary)], ...(note ? { note } : {}) });
      }
    });
  }
}

function optString(d: Obj, field: string): string | undefined {
  const v = d[field];
  if (empty(v)) return undefined;
  if (typeof v !== 'string') throw new FieldError(field, `expected a string, found ${describe(v)}`);
  return v;
}

/** Parses one secdb file (JSON, or YAML by extension); `rel` names it in errors. */
export function parseSecdb(feedId: string, rel: string, data: Buffer | string): SecdbFile {
  let text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const yaml = /\.ya?ml$/i.test(rel);
  let doc: unknown;
  try {
    // YAML's failsafe schema keeps every scalar a string: a version key "1.10" must not become the number 1.1.
    doc = yaml ? parseYaml(text, { schema: 'failsafe' }) : JSON.parse(text);
  } catch (e) {
    throw new VulnDbError('MALFORMED_FEED', `${feedId}: ${rel}: not valid ${yaml ? 'YAML' : 'JSON'}: ${String((e as Error).message).split('\n')[0]}`, {
      cause: e,
    });
  }
  let entry = '(document)';
  try {
    if (!isObj(doc)) throw new FieldError('(document)', `expected a secdb mapping, found ${describe(doc)}`);
    const out: SecdbFile = { statements: [], skipped: [] };
    const distroversion = optString(doc, 'distroversion');
    const reponame = optString(doc, 'reponame');
    if (distroversion) out.distroversion = distroversion;
    if (reponame) out.reponame = reponame;
    if ('packages' in doc) {
      const packages = doc.packages;
      if (empty(packages)) return out;
      if (!Array.isArray(packages)) throw new FieldError('packages', `expected a list, found ${describe(packages)}`);
      packages.forEach((p, i) => {
        entry = `packages[${i}]`;
        if (!isObj(p) || !isObj(p.pkg)) throw new FieldError(entry, `expected {pkg: {name, secfixes}}, found ${describe(p)}`);
        const name = p.pkg.name;
        if (typeof name !== 'string' || name === '') throw new FieldError(`${entry}.pkg.name`, `expected a package name, found ${describe(name)}`);
        entry = `packages[${i}] (${name})`;
        secfixes(`${entry}.pkg.secfixes`, p.pkg.secfixes, name, out);
      });
      return out;
    }
    // vuln-list: one package per file.
    const name = doc.name;
    if (typeof name !== 'string' || name === '') {
      throw new FieldError('name', `expected a package name (or a "packages" list), found ${describe(name)}`);
    }
    entry = name;
    secfixes(`${name}.secfixes`, doc.secfixes, name, out);
    return out;
  } catch (e) {
    if (e instanceof FieldError) throw new VulnDbError('MALFORMED_FEED', `${feedId}: ${rel}: ${e.message}`, { cause: e });
    throw e;
  }
}
