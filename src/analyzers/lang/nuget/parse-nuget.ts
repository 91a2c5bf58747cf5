/**
 * Parsers for .NET dependency files:
 *   - `<app>.deps.json`, written by the SDK next to a published application (dotnet/runtime
 *     docs/design/features/host-runtime-information.md, "deps.json"): `libraries` lists every library by
 *     "Name/Version" with its `type` (package, project, runtimepack, reference…); `targets[runtimeTarget.name]`
 *     gives, for the same keys, the assets each one contributes at run time and its `dependencies`;
 *   - `packages.lock.json` (NuGet lock file, versions 1 and 2): `dependencies[<target framework>][<name>]` with
 *     `type` Direct / Transitive / CentralTransitive / Project, `resolved` version, `contentHash` and
 *     `dependencies` (name → version range);
 *   - `packages.config` (NuGet 2 XML): `<packages><package id version targetFramework developmentDependency/>`.
 */
import { AnalysisError } from '../../../core/index.js';

export interface NugetDependencyRef {
  name: string;
  version: string;
}

export interface NugetRecord {
  name: string;
  version: string;
  /** Base64 SHA-512 of the .nupkg (deps.json `sha512` without its "sha512-" prefix, lock `contentHash`). */
  sha512?: string;
  /** packages.config `developmentDependency="true"`. */
  dev?: boolean;
  /** Direct dependencies that the same file lists as packages (name + resolved version). */
  dependencies: NugetDependencyRef[];
}

export interface NugetParse {
  packages: NugetRecord[];
  warnings: string[];
}

const MAX_WARNINGS = 20;
/** The SDK's synthetic name prefix for the runtime bundled into a self-contained app. */
const RUNTIME_PACK = 'runtimepack.';

function decodeText(input: string | Buffer): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // Visual Studio writes UTF-8 with a BOM; older tools occasionally UTF-16.
  if (input[0] === 0xff && input[1] === 0xfe) return new TextDecoder('utf-16le').decode(input.subarray(2));
  if (input[0] === 0xfe && input[1] === 0xff) return new TextDecoder('utf-16be').decode(input.subarray(2));
  const text = input.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parseJson(input: string | Buffer, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(decodeText(input)) as unknown;
  } catch (e) {
    throw new AnalysisError('MALFORMED_FILE', `${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(doc)) throw new AnalysisError('MALFORMED_FILE', `${what} is not a JSON object`);
  return doc;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Warnings {
  readonly list: string[] = [];
  private dropped = 0;
  add(msg: string): void {
    if (this.list.length < MAX_WARNINGS) this.list.push(msg);
    else this.dropped++;
  }
  done(): string[] {
    if (this.dropped) this.list.push(`${this.dropped} more warnings not shown`);
    return this.list;
  }
}

function stripRuntimePack(name: string): string {
  return name.startsWith(RUNTIME_PACK) ? name.slice(RUNTIME_PACK.length) : name;
}

function splitKey(key: string): NugetDependencyRef | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) return undefined;
  return { name: stripRuntimePack(key.slice(0, slash)), version: key.slice(slash + 1) };
}

const keyOf = (name: string, version: string): string => `${name.toLowerCase()}/${version.toLowerCase()}`;

/**
 * deps.json. Libraries of type `package` and `runtimepack` (the bundled runtime of a self-contained app, reported
 * under its NuGet name without the "runtimepack." prefix) are packages; `project` entries are the application and
 * its project references, not packages. When the runtime target's section exists, a library listed there without
 * any runtime, runtimeTargets or native asset is compile-time only and is left out (as Trivy does); a library the
 * section does not list is kept, since nothing proves it absent.
 */
export function parseDepsJson(input: string | Buffer): NugetParse {
  const doc = parseJson(input, 'deps.json');
  const warnings = new Warnings();
  const libraries = doc.libraries;
  if (libraries === undefined) return { packages: [], warnings: [] };
  if (!isObject(libraries)) throw new AnalysisError('MALFORMED_FILE', 'deps.json "libraries" is not an object');

  const runtimeTarget = isObject(doc.runtimeTarget) && typeof doc.runtimeTarget.name === 'string' ? doc.runtimeTarget.name : undefined;
  const targetSection = runtimeTarget !== undefined && isObject(doc.targets) ? doc.targets[runtimeTarget] : undefined;
  const targets = new Map<string, Record<string, unknown>>();
  if (isObject(targetSection)) {
    for (const [key, value] of Object.entries(targetSection)) {
      const ref = splitKey(key);
      if (ref && isObject(value)) targets.set(keyOf(ref.name, ref.version), value);
    }
  } else if (isObject(doc.targets)) {
    warnings.add(`no "targets" section for the runtime target ${JSON.stringify(runtimeTarget ?? '')}; every package library is reported, without dependencies`);
  }
  const haveTargets = isObject(targetSection);

  const records = new Map<string, NugetRecord>();
  for (const [key, lib] of Object.entries(libraries)) {
    const ref = splitKey(key);
    if (!ref) {
      warnings.add(`library ${JSON.stringify(key.slice(0, 200))} is not "Name/Version"; ignored`);
      continue;
    }
    if (!isObject(lib)) continue;
    const type = typeof lib.type === 'string' ? lib.type.toLowerCase() : '';
    if (type !== 'package' && type !== 'runtimepack') continue;
    const id = keyOf(ref.name, ref.version);
    const target = targets.get(id);
    if (haveTargets && target && !hasAsset(target.runtime) && !hasAsset(target.runtimeTargets) && !hasAsset(target.native)) continue;
    if (records.has(id)) continue;
    const sha = typeof lib.sha512 === 'string' ? lib.sha512.replace(/^sha512-/, '') : '';
    records.set(id, { name: ref.name, version: ref.version, ...(sha ? { sha512: sha } : {}), dependencies: [] });
  }

  const depsOf = (id: string): string[] => {
    const deps = targets.get(id)?.dependencies;
    if (!isObject(deps)) return [];
    return Object.entries(deps).flatMap(([name, version]) => (typeof version === 'string' ? [keyOf(stripRuntimePack(name), version)] : []));
  };
  // A dependency on a library left out (a compile-time-only meta-package such as Microsoft.NETCore.App 1.x) is
  // followed through to the packages it brings in, so the graph does not lose them. Bounded against hostile graphs.
  let budget = 2_000_000;
  for (const [id, rec] of records) {
    const seen = new Set<string>([id]);
    const queue = depsOf(id);
    for (let i = 0; i < queue.length && budget > 0; i++, budget--) {
      const dep = queue[i]!;
      if (seen.has(dep)) continue;
      seen.add(dep);
      const target = records.get(dep);
      if (target) rec.dependencies.push({ name: target.name, version: target.version });
      else for (const next of depsOf(dep)) queue.push(next);
    }
  }
  if (budget <= 0) warnings.add('dependency graph too large; some dependencies are not listed');
  return { packages: [...records.values()], warnings: warnings.done() };
}

function hasAsset(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/**
 * packages.lock.json. Every target framework (and RID-specific target) lists its own resolution; a package is
 * reported once per name and version, with the union of its dependencies across frameworks, each resolved to the
 * version the same framework section picked. `Project` entries (project references) are not packages.
 */
export function parsePackagesLock(input: string | Buffer): NugetParse {
  const doc = parseJson(input, 'packages.lock.json');
  const warnings = new Warnings();
  if (typeof doc.version === 'number' && doc.version > 2) warnings.add(`lock file version ${doc.version} is newer than the versions known (1, 2); read as version 2`);
  if (!isObject(doc.dependencies)) throw new AnalysisError('MALFORMED_FILE', 'packages.lock.json has no "dependencies" object');

  const records = new Map<string, NugetRecord>();
  const depKeys = new Map<string, Set<string>>();
  for (const [framework, section] of Object.entries(doc.dependencies)) {
    if (!isObject(section)) {
      warnings.add(`target ${JSON.stringify(framework.slice(0, 100))} is not an object; ignored`);
      continue;
    }
    // Resolved version of each package name in this framework, for resolving the ranges in `dependencies`.
    const resolved = new Map<string, string>();
    for (const [name, entry] of Object.entries(section)) {
      if (!isObject(entry) || isProject(entry)) continue;
      if (typeof entry.resolved === 'string' && entry.resolved !== '') resolved.set(name.toLowerCase(), entry.resolved);
    }
    for (const [name, entry] of Object.entries(section)) {
      if (!isObject(entry) || isProject(entry)) continue;
      const version = resolved.get(name.toLowerCase());
      if (version === undefined) {
        warnings.add(`${framework}: ${name.slice(0, 200)} has no resolved version; ignored`);
        continue;
      }
      const id = keyOf(name, version);
      let rec = records.get(id);
      if (!rec) {
        const hash = typeof entry.contentHash === 'string' && entry.contentHash !== '' ? entry.contentHash : undefined;
        rec = { name, version, ...(hash ? { sha512: hash } : {}), dependencies: [] };
        records.set(id, rec);
        depKeys.set(id, new Set());
      }
      if (!isObject(entry.dependencies)) continue;
      const seen = depKeys.get(id)!;
      for (const depName of Object.keys(entry.dependencies)) {
        const depVersion = resolved.get(depName.toLowerCase());
        if (depVersion === undefined) continue;
        const depId = keyOf(depName, depVersion);
        if (depId === id || seen.has(depId)) continue;
        seen.add(depId);
        rec.dependencies.push({ name: depName, version: depVersion });
      }
    }
  }
  // A dependency is written with the casing of the referencing entry; report it with the casing of its own entry.
  for (const rec of records.values()) {
    rec.dependencies = rec.dependencies.flatMap((d) => {
      const target = records.get(keyOf(d.name, d.version));
      return target ? [{ name: target.name, version: target.version }] : [];
    });
  }
  return { packages: [...records.values()], warnings: warnings.done() };
}

function isProject(entry: Record<string, unknown>): boolean {
  return typeof entry.type === 'string' && entry.type.toLowerCase() === 'project';
}

/**
 * packages.config. A deliberately small XML reader: comments, processing instructions and a DOCTYPE are skipped
 * (no entity is ever expanded beyond the five predefined ones and character references), then every `<package …>`
 * start tag inside `<packages>` is read for its attributes.
 */
export function parsePackagesConfig(input: string | Buffer): NugetParse {
  const text = decodeText(input);
  const warnings = new Warnings();
  const records = new Map<string, NugetRecord>();
  let sawRoot = false;
  let pos = 0;
  for (;;) {
    const lt = text.indexOf('<', pos);
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) break;
      pos = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) break;
      pos = end + 3;
      continue;
    }
    const gt = findTagEnd(text, lt + 1);
    if (gt === -1) throw new AnalysisError('MALFORMED_FILE', `packages.config: unterminated tag at offset ${lt}`);
    const tag = text.slice(lt + 1, gt);
    pos = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!') || tag.startsWith('/')) continue;
    const nameEnd = tagNameEnd(tag);
    const tagName = tag.slice(0, nameEnd);
    if (tagName === 'packages') {
      sawRoot = true;
      continue;
    }
    if (tagName !== 'package' || !sawRoot) continue;
    const attrs = readAttributes(tag.slice(nameEnd));
    const id = attrs.get('id');
    const version = attrs.get('version');
    if (!id || !version) {
      warnings.add(`<package> at offset ${lt} without id or version; ignored`);
      continue;
    }
    const key = keyOf(id, version);
    if (records.has(key)) continue;
    const dev = (attrs.get('developmentDependency') ?? '').toLowerCase() === 'true';
    records.set(key, { name: id, version, ...(dev ? { dev: true } : {}), dependencies: [] });
  }
  if (!sawRoot) throw new AnalysisError('MALFORMED_FILE', 'packages.config has no <packages> element');
  return { packages: [...records.values()], warnings: warnings.done() };
}

/** Index of the `>` closing a tag that starts at `from`, skipping quoted attribute values. */
function findTagEnd(text: string, from: number): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

function tagNameEnd(tag: string): number {
  let i = 0;
  while (i < tag.length && !/[\s/>]/.test(tag[i]!)) i++;
  return i;
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * Attributes `name="value"` / `name='value'`, values with entity and character references decoded. A hand-written
 * scanner: a regex here would backtrack quadratically on a long attribute name without `=`.
 */
function readAttributes(s: string): Map<string, string> {
  const attrs = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    while (isSpace(s[i])) i++;
    const start = i;
    while (i < s.length && !isSpace(s[i]) && s[i] !== '=' && s[i] !== '/') i++;
    const name = s.slice(start, i);
    while (isSpace(s[i])) i++;
    if (s[i] !== '=') {
      if (i === start) i++;
      continue;
    }
    i++;
    while (isSpace(s[i])) i++;
    const quote = s[i];
    if (quote !== '"' && quote !== "'") continue;
    const end = s.indexOf(quote, i + 1);
    if (end === -1) break;
    if (name !== '' && !attrs.has(name)) attrs.set(name, decodeEntities(s.slice(i + 1, end)));
    i = end + 1;
  }
  return attrs;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(v: string): string {
  if (!v.includes('&')) return v.trim();
  return v
    .replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,4});/g, (all, ref: string) => {
      if (ref.startsWith('#x') || ref.startsWith('#')) {
        const cp = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
      }
      return ENTITIES[ref] ?? all;
    })
    .trim();
}
