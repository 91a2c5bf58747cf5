/**
 * Package inventories for the cross-check between Tollgate, Trivy and the image's own dpkg database.
 * Everything is reduced to purl type + "name@version" keys so that the two tools' purls compare despite
 * different qualifiers and percent-encoding.
 */

export interface InventoryKey {
  /** purl type, lower case ("deb", "npm", "pypi", "maven", …). */
  type: string;
  /** Decoded namespace/name, e.g. "debian/bash", "@babel/core", "org.apache.logging.log4j/log4j-core". */
  name: string;
  /** Decoded version; a dpkg epoch that a tool put in the `epoch` qualifier is folded in as "N:". */
  version: string;
  key: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses a package URL (github.com/package-url/purl-spec: `pkg:type/namespace/name@version?qualifiers#subpath`). */
export function purlKey(purl: string): InventoryKey | undefined {
  if (!purl.startsWith('pkg:')) return undefined;
  let rest = purl.slice(4).replace(/^\/+/, '');
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let qualifiers = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    qualifiers = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const type = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  let version = '';
  const at = path.lastIndexOf('@');
  if (at > path.lastIndexOf('/')) {
    version = decode(path.slice(at + 1));
    path = path.slice(0, at);
  }
  const name = path
    .split('/')
    .filter((s) => s !== '')
    .map(decode)
    .join('/');
  if (!name) return undefined;
  const epoch = new URLSearchParams(qualifiers).get('epoch');
  if (epoch && epoch !== '0' && !version.includes(':')) version = `${epoch}:${version}`;
  return { type, name, version, key: `${name}@${version}` };
}

/** type → set of keys. */
export type Inventory = Map<string, Set<string>>;

export function inventoryOf(purls: Iterable<string>): Inventory {
  const inv: Inventory = new Map();
  for (const p of purls) {
    const k = purlKey(p);
    if (!k) continue;
    let set = inv.get(k.type);
    if (!set) inv.set(k.type, (set = new Set()));
    set.add(k.key);
  }
  return inv;
}

interface CycloneDxComponent {
  purl?: unknown;
  components?: unknown;
}

/** Every purl in a CycloneDX JSON document (components nested at any depth; metadata.component excluded). */
export function cycloneDxPurls(doc: unknown): string[] {
  const out: string[] = [];
  const walk = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const c of list as CycloneDxComponent[]) {
      if (c && typeof c === 'object') {
        if (typeof c.purl === 'string') out.push(c.purl);
        walk(c.components);
      }
    }
  };
  if (doc && typeof doc === 'object') walk((doc as { components?: unknown }).components);
  return out;
}

/**
 * Installed packages of a dpkg status file (dpkg(1) database format, deb-control(5) stanzas): those whose
 * `Status:` state word (the third: want, flag, status) is exactly "installed" ("install ok installed",
 * "hold ok installed"; not "half-installed"). Returns "debian/name@version"
 * keys in the same shape as purlKey gives for pkg:deb/debian/… purls.
 */
export function dpkgInstalled(statusText: string, namespace = 'debian'): Set<string> {
  const out = new Set<string>();
  for (const stanza of statusText.split(/\n\s*\n/)) {
    let name: string | undefined;
    let version: string | undefined;
    let installed = false;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('Package:')) name = line.slice(8).trim();
      else if (line.startsWith('Version:')) version = line.slice(8).trim();
      else if (line.startsWith('Status:')) installed = line.slice(7).trim().split(/\s+/)[2] === 'installed';
    }
    if (name && version && installed) out.add(`${namespace}/${name}@${version}`);
  }
  return out;
}

export interface SetDiff {
  onlyA: string[];
  onlyB: string[];
  both: number;
}

export function diffSets(a: ReadonlySet<string>, b: ReadonlySet<string>): SetDiff {
  const onlyA = [...a].filter((k) => !b.has(k)).sort();
  const onlyB = [...b].filter((k) => !a.has(k)).sort();
  return { onlyA, onlyB, both: a.size - onlyA.length };
}
