/**
 * Parser for `package-lock.json` / `npm-shrinkwrap.json`
 * (https://docs.npmjs.com/cli/v10/configuring-npm/package-lock-json):
 *   - lockfileVersion 2 and 3: the flat `packages` map keyed by install path ("node_modules/a/node_modules/b");
 *     "" is the root project, paths outside any node_modules are workspace members or local folders (the project's
 *     own code), `link: true` entries point at them. Neither is a dependency: they are left out.
 *   - lockfileVersion 1 (npm 5/6): the nested `dependencies` tree, `requires` naming what each entry depends on.
 * Dependencies are resolved the way Node resolves them (nearest node_modules first).
 */
import { AnalysisError } from '../../../core/index.js';
import { LockCollector, resolveNodeModule, type LockParse } from './lock-record.js';
import { declaredLicenses, isObject, parseJsonText, validName, validVersion } from './parse-package-json.js';

/** Bound on v1 nesting (npm never nests deeper than the dependency chain; hostile files can). */
const MAX_V1_DEPTH = 256;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The package name of an install path: what follows its last "node_modules/" segment. */
function nameFromPath(path: string): string | undefined {
  const i = path.lastIndexOf('node_modules/');
  if (i === -1 || (i > 0 && path[i - 1] !== '/')) return undefined;
  return path.slice(i + 'node_modules/'.length);
}

/** "npm:real-name@1.2.3" (an aliased dependency in lockfile v1) → ["real-name", "1.2.3"]. */
function splitAlias(version: string): [string, string] | undefined {
  if (!version.startsWith('npm:')) return undefined;
  const spec = version.slice(4);
  const at = spec.indexOf('@', 1);
  return at === -1 ? undefined : [spec.slice(0, at), spec.slice(at + 1)];
}

function parseV2(packages: Record<string, unknown>, out: LockCollector): void {
  const entries = new Map<string, Record<string, unknown>>();
  for (const [path, v] of Object.entries(packages)) if (isObject(v)) entries.set(path, v);
  const ids = new Map<string, string>();
  for (const [path, e] of entries) {
    if (path === '' || e['link'] === true) continue;
    const fromPath = nameFromPath(path);
    if (fromPath === undefined) continue; // workspace member or local folder: the project's own code
    const name = str(e['name']) ?? fromPath;
    const version = e['version'];
    if (!validName(name) || !validVersion(version)) {
      out.warn(`${path}: entry without a usable name/version, skipped`);
      continue;
    }
    if (version.startsWith('file:')) continue; // a local folder copied in, not a published package
    const licenses = declaredLicenses(e);
    const resolved = str(e['resolved']);
    const integrity = str(e['integrity']);
    ids.set(
      path,
      out.add({
        name,
        version,
        ...(e['dev'] === true ? { dev: true } : {}),
        ...(licenses.length ? { licenses } : {}),
        ...(resolved ? { resolved } : {}),
        ...(integrity ? { integrity } : {}),
      }),
    );
  }
  for (const [path, from] of ids) {
    const e = entries.get(path)!;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      const deps = e[field];
      if (!isObject(deps)) continue;
      for (const dep of Object.keys(deps)) {
        const target = resolveNodeModule(path, dep, (p) => entries.has(p));
        const to = target === undefined ? undefined : ids.get(target);
        if (to) out.dependsOn(from, to);
      }
    }
  }
}

interface V1Scope {
  parent?: V1Scope;
  /** name → id of the packages installed at this level. */
  ids: Map<string, string>;
}

function parseV1(dependencies: Record<string, unknown>, out: LockCollector): void {
  const pending: { from: string; requires: string[]; scope: V1Scope }[] = [];
  /** Collects one level of the tree and returns its scope; `requires` resolve in the entry's own nested level first. */
  const walk = (deps: Record<string, unknown>, parent: V1Scope | undefined, depth: number, parentDev: boolean): V1Scope => {
    const scope: V1Scope = { ...(parent ? { parent } : {}), ids: new Map() };
    if (depth > MAX_V1_DEPTH) {
      out.warn(`dependencies nested deeper than ${MAX_V1_DEPTH} levels, rest skipped`);
      return scope;
    }
    const entries: { key: string; id?: string; dev: boolean; e: Record<string, unknown> }[] = [];
    for (const [key, e] of Object.entries(deps)) {
      if (!isObject(e)) continue;
      let name = key;
      let version = e['version'];
      if (typeof version === 'string') {
        const alias = splitAlias(version);
        if (alias) [name, version] = alias;
      }
      if (!validName(name) || !validVersion(version)) {
        out.warn(`dependency "${key.slice(0, 100)}" without a usable name/version, skipped`);
        continue;
      }
      let id: string | undefined;
      // Nested entries live in their parent's node_modules: a development-only parent makes them so too.
      const dev = parentDev || e['dev'] === true;
      if (!version.startsWith('file:')) {
        const resolved = str(e['resolved']);
        const integrity = str(e['integrity']);
        id = out.add({
          name,
          version,
          ...(dev ? { dev: true } : {}),
          ...(resolved ? { resolved } : {}),
          ...(integrity ? { integrity } : {}),
        });
        scope.ids.set(key, id);
      }
      entries.push({ key, e, dev, ...(id ? { id } : {}) });
    }
    for (const { id, e, dev } of entries) {
      const own = isObject(e['dependencies']) ? walk(e['dependencies'], scope, depth + 1, dev) : scope;
      if (id && isObject(e['requires'])) pending.push({ from: id, requires: Object.keys(e['requires']), scope: own });
    }
    return scope;
  };
  walk(dependencies, undefined, 0, false);
  for (const { from, requires, scope } of pending) {
    for (const dep of requires) {
      for (let s: V1Scope | undefined = scope; s; s = s.parent) {
        const to = s.ids.get(dep);
        if (to) {
          out.dependsOn(from, to);
          break;
        }
      }
    }
  }
}

export function parsePackageLock(input: string | Buffer): LockParse {
  const doc = parseJsonText(input, 'package-lock.json');
  if (!isObject(doc)) throw new AnalysisError('MALFORMED_FILE', 'package-lock.json is not a JSON object');
  const out = new LockCollector();
  const version = doc['lockfileVersion'];
  if (isObject(doc['packages']) && version !== 1) parseV2(doc['packages'], out);
  else if (isObject(doc['dependencies'])) parseV1(doc['dependencies'], out);
  else if (version !== undefined && typeof version !== 'number') {
    throw new AnalysisError('UNSUPPORTED_FORMAT', `package-lock.json: unsupported lockfileVersion ${JSON.stringify(version).slice(0, 40)}`);
  }
  return out.result();
}
