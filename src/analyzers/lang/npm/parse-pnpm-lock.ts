/**
 * Parser for `pnpm-lock.yaml` (https://github.com/pnpm/spec/tree/master/lockfile), lockfile versions 5.x, 6.x and 9.x:
 *   - `packages` is keyed by dependency path: v5 "/name/1.0.0_peer@2.0.0", v6 "/name@1.0.0(peer@2.0.0)",
 *     v9 "name@1.0.0"; scoped names keep their "@scope/" prefix. Entries installed from tarballs, git or local
 *     folders carry `name` / `version` fields that win over the path. Peer suffixes (`_…`, `(…)`) are not part of
 *     the version.
 *   - v5/v6 entries say `dev: true|false` and list their `dependencies` / `optionalDependencies`.
 *   - v9 moves dependencies to `snapshots` (keyed with the peer suffix) and drops `dev`: a package is
 *     development-only when the importers' devDependencies reach it and their dependencies /
 *     optionalDependencies do not.
 *   - pnpm 11 may write two YAML documents: first the "env" lockfile of the package manager itself
 *     (importers with only `configDependencies` / `packageManagerDependencies`), then the project's. The env
 *     document describes the tool, not the project, and is left out (as Trivy does).
 * The root project and workspace members are `importers`, not packages: they are never reported.
 */
import type * as Yaml from 'yaml';
import { lazyRequire } from '../../../infra/index.js';
import { AnalysisError } from '../../../core/index.js';
import { LockCollector, type LockParse } from './lock-record.js';
import { isObject, validName, validVersion } from './parse-package-json.js';

const yaml = lazyRequire<typeof Yaml>('yaml');

const ENV_IMPORTER_FIELDS = new Set(['configDependencies', 'packageManagerDependencies']);
const PROD_FIELDS = ['dependencies', 'optionalDependencies'] as const;

interface Node {
  key: string;
  id?: string;
  deps: [string, string][];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Cuts a peer suffix: "1.0.0(react@18.2.0)" / v5 "1.0.0_react@18.2.0" → "1.0.0". */
function stripPeers(version: string, v5: boolean): string {
  let end = version.indexOf('(');
  if (v5) {
    const u = version.indexOf('_');
    if (u !== -1 && (end === -1 || u < end)) end = u;
  }
  return end === -1 ? version : version.slice(0, end);
}

/** name and version from a dependency path (pnpm's dependency-path package, `parse`). */
function parseDepPath(key: string, major: number): { name: string; version: string } | undefined {
  let s = key;
  if (s.startsWith('/')) s = s.slice(1);
  else if (major < 9 && !s.startsWith('@')) {
    // v5 "registry.npmjs.org/lodash/4.17.10": the registry host comes first.
    const slash = s.indexOf('/');
    if (slash !== -1 && s.slice(0, slash).includes('.')) s = s.slice(slash + 1);
  }
  let scope = '';
  if (s.startsWith('@')) {
    const slash = s.indexOf('/');
    if (slash === -1) return undefined;
    scope = s.slice(0, slash + 1);
    s = s.slice(slash + 1);
  }
  const sep = s.indexOf(major < 6 ? '/' : '@');
  if (sep <= 0) return undefined;
  return { name: scope + s.slice(0, sep), version: stripPeers(s.slice(sep + 1), major < 6) };
}

/** A resolved version starts with a digit (semver); URLs and "file:" specs are not versions. */
function looksLikeVersion(v: string): boolean {
  const c = v.charCodeAt(0);
  return c >= 0x30 && c <= 0x39;
}

function refOf(v: unknown): string | undefined {
  // v6+ importers: { specifier, version }; v5 importers and package entries: the version string itself.
  return isObject(v) ? str(v['version']) : str(v);
}

function isEnvDocument(doc: Record<string, unknown>): boolean {
  const importers = doc['importers'];
  if (!isObject(importers)) return false;
  const list = Object.values(importers);
  return list.length > 0 && list.every((imp) => isObject(imp) && Object.keys(imp).every((k) => ENV_IMPORTER_FIELDS.has(k)));
}

function parseDocument(doc: Record<string, unknown>, out: LockCollector): void {
  const major = Number.parseFloat(String(doc['lockfileVersion'] ?? ''));
  if (!Number.isFinite(major) || major < 5 || major >= 10) {
    throw new AnalysisError('UNSUPPORTED_FORMAT', `pnpm-lock.yaml: unsupported lockfileVersion ${String(doc['lockfileVersion']).slice(0, 20)}`);
  }
  const v5 = major < 6;
  const packages = isObject(doc['packages']) ? doc['packages'] : {};
  const snapshots = major >= 9 && isObject(doc['snapshots']) ? doc['snapshots'] : undefined;

  // Packages: identity and metadata.
  const idOfPackage = new Map<string, string>();
  const records = new Map<string, { name: string; version: string; dev: boolean; resolved?: string; integrity?: string }>();
  for (const [key, e] of Object.entries(packages)) {
    const entry = isObject(e) ? e : {};
    const parsed = parseDepPath(key, major);
    const name = str(entry['name']) ?? parsed?.name;
    const version = str(entry['version']) ?? parsed?.version;
    if (!validName(name) || !validVersion(version) || !looksLikeVersion(version)) {
      // Local folders ("package1@file:package1") carry no version: the project's own code.
      if (!(key.includes('file:') || key.includes('link:'))) out.warn(`${key.slice(0, 100)}: entry without a usable name/version, skipped`);
      continue;
    }
    const resolution = isObject(entry['resolution']) ? entry['resolution'] : {};
    const resolved = str(resolution['tarball']);
    const integrity = str(resolution['integrity']);
    records.set(key, {
      name,
      version,
      dev: entry['dev'] === 'true' || entry['dev'] === true,
      ...(resolved ? { resolved } : {}),
      ...(integrity ? { integrity } : {}),
    });
    idOfPackage.set(key, `${name}@${version}`);
  }

  // Graph nodes: v9 snapshots (one per peer combination), else the package entries themselves.
  const nodes = new Map<string, Node>();
  const depsOf = (e: unknown): [string, string][] => {
    const list: [string, string][] = [];
    if (!isObject(e)) return list;
    for (const f of PROD_FIELDS) {
      const deps = e[f];
      if (!isObject(deps)) continue;
      for (const [n, ref] of Object.entries(deps)) {
        const r = refOf(ref);
        if (r) list.push([n, r]);
      }
    }
    return list;
  };
  if (snapshots) {
    for (const [key, e] of Object.entries(snapshots)) {
      // "name@1.0.0(peer@1)" → its package "name@1.0.0".
      const base = stripPeers(key, false);
      const id = idOfPackage.get(base);
      nodes.set(key, { key, ...(id ? { id } : {}), deps: depsOf(e) });
    }
  }
  for (const [key, e] of Object.entries(packages)) {
    if (nodes.has(key)) continue;
    const id = idOfPackage.get(key);
    nodes.set(key, { key, ...(id ? { id } : {}), deps: snapshots ? [] : depsOf(e) });
  }

  const resolveRef = (name: string, ref: string): Node | undefined => {
    if (ref.startsWith('link:')) return undefined; // a workspace member or local folder
    const candidates = v5 ? [ref, `/${name}/${ref}`] : major < 9 ? [ref, `/${name}@${ref}`] : [`${name}@${ref}`, ref];
    for (const c of candidates) {
      const n = nodes.get(c);
      if (n) return n;
    }
    return undefined;
  };

  // The root project and workspace members: `importers` (v5.3+ workspaces, v9), or the top level itself (v5/v6).
  const importers: Record<string, unknown>[] = [doc];
  if (isObject(doc['importers'])) for (const imp of Object.values(doc['importers'])) if (isObject(imp)) importers.push(imp);
  const roots = (fields: readonly string[]): [string, string][] => {
    const list: [string, string][] = [];
    for (const imp of importers) {
      for (const f of fields) {
        const deps = imp[f];
        if (!isObject(deps)) continue;
        for (const [n, v] of Object.entries(deps)) {
          const r = refOf(v);
          if (r) list.push([n, r]);
        }
      }
    }
    return list;
  };

  // v9: development-only = reached from devDependencies only.
  let devOnly: ((n: Node) => boolean) | undefined;
  if (major >= 9) {
    const reach = (fields: readonly string[]): Set<Node> => {
      const seen = new Set<Node>();
      const stack: Node[] = [];
      for (const [n, r] of roots(fields)) {
        const node = resolveRef(n, r);
        if (node) stack.push(node);
      }
      while (stack.length) {
        const node = stack.pop()!;
        if (seen.has(node)) continue;
        seen.add(node);
        for (const [n, r] of node.deps) {
          const next = resolveRef(n, r);
          if (next && !seen.has(next)) stack.push(next);
        }
      }
      return seen;
    };
    const prod = reach(PROD_FIELDS);
    const dev = reach(['devDependencies']);
    devOnly = (n) => dev.has(n) && !prod.has(n);
  }

  // Direct dependencies whose `packages` entry is missing (trimmed lockfiles): the importer still names the
  // resolved version (Syft reports these too).
  for (const field of [...PROD_FIELDS, 'devDependencies']) {
    for (const [n, ref] of roots([field])) {
      if (resolveRef(n, ref) || ref.startsWith('link:') || ref.startsWith('file:')) continue;
      const version = stripPeers(ref, v5);
      if (validName(n) && validVersion(version) && looksLikeVersion(version)) {
        out.add({ name: n, version, ...(field === 'devDependencies' ? { dev: true } : {}) });
      }
    }
  }

  // Collect: v9 decides dev per snapshot (the collector keeps a version dev only if every snapshot of it is).
  for (const node of nodes.values()) {
    if (!node.id) continue;
    const pkgKey = snapshots ? stripPeers(node.key, false) : node.key;
    const r = records.get(pkgKey);
    if (!r) continue;
    const dev = devOnly ? devOnly(node) : r.dev;
    out.add({
      name: r.name,
      version: r.version,
      ...(dev ? { dev: true } : {}),
      ...(r.resolved ? { resolved: r.resolved } : {}),
      ...(r.integrity ? { integrity: r.integrity } : {}),
    });
  }
  for (const node of nodes.values()) {
    if (!node.id) continue;
    for (const [n, ref] of node.deps) {
      const to = resolveRef(n, ref);
      if (to?.id) out.dependsOn(node.id, to.id);
    }
  }
}

export function parsePnpmLock(input: string | Buffer): LockParse {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // The failsafe schema keeps every scalar a string ("1.10" stays "1.10"); aliases are bounded (billion laughs).
  const docs = yaml().parseAllDocuments(text, { uniqueKeys: false, schema: 'failsafe' });
  const list = Array.isArray(docs) ? docs : [docs];
  const out = new LockCollector();
  for (const d of list) {
    if (d.errors.length) throw new AnalysisError('MALFORMED_FILE', `pnpm-lock.yaml is not valid YAML: ${d.errors[0]!.message}`);
    const doc = d.toJS({ maxAliasCount: 100 }) as unknown;
    if (doc === null || doc === undefined) continue;
    if (!isObject(doc)) throw new AnalysisError('MALFORMED_FILE', 'pnpm-lock.yaml is not a YAML mapping');
    if (isEnvDocument(doc)) continue;
    parseDocument(doc, out);
  }
  return out.result();
}
