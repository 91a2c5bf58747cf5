/**
 * Parser for `yarn.lock`, both formats:
 *   - Yarn 1 ("classic", header `# yarn lockfile v1`): a line format of its own
 *     (yarnpkg/yarn src/lockfile/parse.js): unindented `descriptor[, descriptor…]:` lines open an entry, two-space
 *     indented `key value` fields follow (`version`, `resolved`, `integrity`), and `dependencies:` /
 *     `optionalDependencies:` open four-space indented `name range` maps. Keys and values may be quoted.
 *   - Yarn 2+ ("berry"): YAML with a `__metadata` entry; each entry has `version`, `resolution`
 *     ("name@npm:1.2.3") and `dependencies` (https://yarnpkg.com/advanced/lockfile).
 * A descriptor is `name@range`; the range may carry a protocol (https://yarnpkg.com/protocols): `npm:` (also the
 * alias form `alias@npm:real@range`), remote ones (git, github, http(s) tarballs) are reported, local ones
 * (`workspace:`, `file:`, `link:`, `portal:`, `patch:`, `exec:`) are the project's own code or a patched copy of
 * an entry listed anyway, and are left out. Unknown protocols are skipped with a warning.
 * yarn.lock does not record which dependencies are development-only.
 */
import type * as Yaml from 'yaml';
import { lazyRequire } from '../../../infra/index.js';
import { AnalysisError } from '../../../core/index.js';
import { LockCollector, type LockParse } from './lock-record.js';
import { isObject, validName, validVersion } from './parse-package-json.js';

const yaml = lazyRequire<typeof Yaml>('yaml');

const LOCAL_PROTOCOLS = new Set(['workspace', 'file', 'link', 'portal', 'patch', 'exec']);
const REMOTE_PROTOCOLS = new Set(['npm', 'git', 'git+ssh', 'git+http', 'git+https', 'git+file', 'github', 'gitlab', 'bitbucket', 'http', 'https']);

/** Split "name@range" (the name may be scoped: "@scope/name@range"). */
export function splitDescriptor(descriptor: string): { name: string; range: string } | undefined {
  const at = descriptor.indexOf('@', 1);
  if (at <= 0) return undefined;
  return { name: descriptor.slice(0, at), range: descriptor.slice(at + 1) };
}

/** The protocol prefix of a range ("npm:^1.0.0" → "npm"), or undefined for a plain semver range / tag. */
function protocolOf(range: string): string | undefined {
  let i = 0;
  while (i < range.length && i < 16) {
    const c = range.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d));
    if (!ok) break;
    i++;
  }
  return i > 0 && range[i] === ':' ? range.slice(0, i) : undefined;
}

/** "user/repo#ref" or "git@host:…" style ranges: a git dependency without a protocol prefix. */
function isBareGit(range: string): boolean {
  return range.startsWith('git@') || (/^[\w.-]+\/[\w.-]+(#.*)?$/.test(range) && !range.startsWith('.'));
}

type Classified = { kind: 'npm'; name: string } | { kind: 'remote' } | { kind: 'local' } | { kind: 'unknown'; protocol: string };

/** What a descriptor's range says about where the package comes from; `name` is the real name behind an alias. */
function classify(name: string, range: string): Classified {
  const protocol = protocolOf(range);
  if (protocol === undefined) return isBareGit(range) ? { kind: 'remote' } : { kind: 'npm', name };
  if (protocol === 'npm') {
    const spec = range.slice(4);
    const c = spec.charCodeAt(0);
    // "npm:^1.2.0" is a range of the same package; "npm:real@^1", "npm:@scope/real" an alias of another one.
    const isRange = spec === '' || (c >= 0x30 && c <= 0x39) || '^~<>=*'.includes(spec[0]!);
    if (isRange) return { kind: 'npm', name };
    const real = splitDescriptor(spec);
    return { kind: 'npm', name: real ? real.name : spec };
  }
  if (LOCAL_PROTOCOLS.has(protocol)) return { kind: 'local' };
  if (REMOTE_PROTOCOLS.has(protocol)) return { kind: 'remote' };
  return { kind: 'unknown', protocol };
}

/**
 * The package name in a registry tarball URL ("https://registry.yarnpkg.com/@babel/core/-/core-7.1.0.tgz" →
 * "@babel/core"): an alias written by Yarn 1 is visible only there.
 */
function nameFromTarball(url: string): string | undefined {
  const dash = url.indexOf('/-/');
  if (dash === -1) return undefined;
  const path = url.slice(0, dash);
  const last = path.lastIndexOf('/');
  if (last === -1) return undefined;
  let segment = path.slice(last + 1);
  try {
    segment = decodeURIComponent(segment); // "@scope%2fname"
  } catch {
    return undefined;
  }
  if (segment.startsWith('@')) return segment.includes('/') ? segment : undefined;
  const prev = path.lastIndexOf('/', last - 1);
  const scope = path.slice(prev + 1, last);
  const name = scope.startsWith('@') ? `${scope}/${segment}` : segment;
  return validName(name) ? name : undefined;
}

/** Reads one token of a Yarn 1 line: a JSON-style quoted string or a bare word (up to a space). */
function token(line: string, pos: number): [string, number] | undefined {
  while (pos < line.length && line[pos] === ' ') pos++;
  if (pos >= line.length) return undefined;
  if (line[pos] === '"') {
    let i = pos + 1;
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    const raw = line.slice(pos, i + 1);
    try {
      return [JSON.parse(raw) as string, i + 1];
    } catch {
      return [raw.slice(1, -1), i + 1];
    }
  }
  let i = pos;
  while (i < line.length && line[i] !== ' ') i++;
  return [line.slice(pos, i), i];
}

interface ClassicEntry {
  descriptors: string[];
  fields: Map<string, string>;
  deps: Map<string, string>;
  line: number;
}

function parseClassicEntries(text: string, out: LockCollector): ClassicEntry[] {
  const entries: ClassicEntry[] = [];
  let current: ClassicEntry | undefined;
  let inDeps = false;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = line.length - trimmed.length;
    if (indent === 0) {
      if (!line.endsWith(':')) {
        out.warn(`line ${n + 1}: unexpected top-level line, skipped`);
        current = undefined;
        continue;
      }
      const descriptors: string[] = [];
      const head = line.slice(0, -1);
      let pos = 0;
      while (pos < head.length) {
        const t = token(head, pos);
        if (!t) break;
        const d = t[0].endsWith(',') ? t[0].slice(0, -1) : t[0];
        const next = t[1];
        if (d) descriptors.push(d);
        pos = next;
        while (pos < head.length && (head[pos] === ',' || head[pos] === ' ')) pos++;
      }
      current = { descriptors, fields: new Map(), deps: new Map(), line: n + 1 };
      entries.push(current);
      inDeps = false;
      continue;
    }
    if (!current) continue;
    const k = token(trimmed, 0);
    if (!k) continue;
    let [key] = k;
    const v = token(trimmed, k[1]);
    if (indent <= 2) {
      inDeps = false;
      if (!v && key.endsWith(':')) {
        key = key.slice(0, -1);
        inDeps = key === 'dependencies' || key === 'optionalDependencies';
        continue;
      }
      if (v) current.fields.set(key.endsWith(':') ? key.slice(0, -1) : key, v[0]);
    } else if (inDeps && v) {
      current.deps.set(key.endsWith(':') ? key.slice(0, -1) : key, v[0]);
    }
  }
  return entries;
}

function parseClassic(text: string, out: LockCollector): void {
  const entries = parseClassicEntries(text, out);
  const idOfDescriptor = new Map<string, string>();
  const withDeps: [string, ClassicEntry][] = [];
  for (const e of entries) {
    const first = e.descriptors[0] && splitDescriptor(e.descriptors[0]);
    if (!first) {
      out.warn(`line ${e.line}: entry without a package descriptor, skipped`);
      continue;
    }
    const c = classify(first.name, first.range);
    if (c.kind === 'local') continue;
    if (c.kind === 'unknown') {
      out.warn(`line ${e.line}: unknown protocol "${c.protocol}" in ${first.name}, skipped`);
      continue;
    }
    const version = e.fields.get('version');
    const resolved = e.fields.get('resolved');
    let name = c.kind === 'npm' && c.name !== first.name ? c.name : undefined;
    name ??= (resolved && nameFromTarball(resolved)) || first.name;
    if (!validName(name) || !validVersion(version)) {
      out.warn(`line ${e.line}: ${first.name} without a usable version, skipped`);
      continue;
    }
    const integrity = e.fields.get('integrity');
    const id = out.add({ name, version, ...(resolved ? { resolved } : {}), ...(integrity ? { integrity } : {}) });
    for (const d of e.descriptors) idOfDescriptor.set(d, id);
    if (e.deps.size) withDeps.push([id, e]);
  }
  for (const [id, e] of withDeps) {
    for (const [name, range] of e.deps) {
      const to = idOfDescriptor.get(`${name}@${range}`);
      if (to) out.dependsOn(id, to);
    }
  }
}

function parseBerry(doc: Record<string, unknown>, out: LockCollector): void {
  const idOfDescriptor = new Map<string, string>();
  const withDeps: [string, Record<string, unknown>][] = [];
  for (const [key, e] of Object.entries(doc)) {
    if (key === '__metadata' || !isObject(e)) continue;
    const resolution = typeof e['resolution'] === 'string' ? e['resolution'] : undefined;
    const descriptor = splitDescriptor(resolution ?? key.split(',')[0]!.trim());
    if (!descriptor) {
      out.warn(`entry "${key.slice(0, 100)}" without a package descriptor, skipped`);
      continue;
    }
    const c = classify(descriptor.name, descriptor.range);
    if (c.kind === 'local') continue;
    if (c.kind === 'unknown') {
      out.warn(`unknown protocol "${c.protocol}" in ${descriptor.name}, skipped`);
      continue;
    }
    const name = c.kind === 'npm' ? c.name : descriptor.name;
    const version = e['version'];
    if (!validName(name) || !validVersion(version)) {
      out.warn(`${descriptor.name}: entry without a usable version, skipped`);
      continue;
    }
    const id = out.add({ name, version });
    for (const d of key.split(',')) idOfDescriptor.set(d.trim(), id);
    for (const f of ['dependencies', 'optionalDependencies']) if (isObject(e[f])) withDeps.push([id, e[f]]);
  }
  for (const [id, deps] of withDeps) {
    for (const [name, range] of Object.entries(deps)) {
      if (typeof range !== 'string') continue;
      // Older berry lockfiles write dependency ranges without the `npm:` their descriptors carry.
      const to = idOfDescriptor.get(`${name}@${range}`) ?? idOfDescriptor.get(`${name}@npm:${range}`);
      if (to) out.dependsOn(id, to);
    }
  }
}

/** A berry lockfile is YAML with `__metadata` at top level; a classic one never has that key. */
function isBerry(text: string): boolean {
  return text.startsWith('__metadata:') || text.includes('\n__metadata:');
}

export function parseYarnLock(input: string | Buffer): LockParse {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out = new LockCollector();
  if (isBerry(text)) {
    let doc: unknown;
    try {
      // Duplicate keys occur in real berry lockfiles after merges; the YAML spec forbids them, Yarn tolerates them.
      // The failsafe schema keeps every scalar a string: `version: 1.10` must not become the number 1.1.
      doc = yaml().parse(text, { uniqueKeys: false, maxAliasCount: 100, schema: 'failsafe' }) as unknown;
    } catch (e) {
      throw new AnalysisError('MALFORMED_FILE', `yarn.lock is not valid YAML: ${(e as Error).message}`, { cause: e });
    }
    if (!isObject(doc)) throw new AnalysisError('MALFORMED_FILE', 'yarn.lock is not a YAML mapping');
    parseBerry(doc, out);
  } else {
    parseClassic(text, out);
  }
  return out.result();
}
