import { AnalysisError } from '../../../core/index.js';

/**
 * A Maven POM (pom.xml, POM 4.0.0: https://maven.apache.org/ref/3.9.9/maven-model/maven.html) read offline:
 * the project's own coordinates (groupId and version inherited from <parent> when absent), its declared licenses
 * and its direct <dependencies>, with `${…}` references resolved from the POM's own <properties> and project.*
 * values, and missing versions taken from its own <dependencyManagement>. Nothing is fetched: a version managed by a
 * parent POM or an imported BOM stays unknown and that dependency is counted in `unresolved`, not guessed.
 *
 * The XML reader is deliberately small: elements, attributes skipped, text with the predefined and numeric
 * character references. DOCTYPE internal subsets are skipped, never expanded (no entity expansion at all, so no
 * "billion laughs"); nesting depth is bounded.
 */

export interface PomCoordinates {
  groupId?: string;
  artifactId?: string;
  version?: string;
}

export interface PomDependency {
  groupId: string;
  artifactId: string;
  version: string;
  /** compile (default), provided, runtime, test, system, import. */
  scope?: string;
  optional?: boolean;
}

export interface PomXml {
  /** The project's coordinates after inheritance from <parent> (each may still be absent). */
  project: PomCoordinates;
  parent?: PomCoordinates;
  /** <licenses><license><name> as declared. */
  licenses: string[];
  /** Direct dependencies with a resolved version. */
  dependencies: PomDependency[];
  /** Dependencies left out because their version is managed elsewhere or references an unknown property. */
  unresolved: string[];
}

interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const MAX_DEPTH = 128;

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', `pom.xml: ${message}`);
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (all, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED[ref] ?? all;
  });
}

/** The encoding the XML declaration names, when it is a Latin-1 one (UTF-8 is the default and the common case). */
function decode(input: Buffer | string): string {
  if (typeof input === 'string') return input;
  const head = input.subarray(0, 200).toString('latin1');
  const m = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  const enc = m?.[1]?.toLowerCase();
  const text = enc === 'iso-8859-1' || enc === 'latin1' || enc === 'windows-1252' ? input.toString('latin1') : input.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses the document into an element tree (text of mixed content concatenated, trimmed). */
function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const lt = text.indexOf('<', pos);
    const top = stack[stack.length - 1]!;
    if (lt === -1) {
      break;
    }
    if (lt > pos && stack.length > 1) top.text += decodeEntities(text.slice(pos, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) throw malformed('unterminated comment');
      pos = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) throw malformed('unterminated CDATA section');
      if (stack.length > 1) top.text += text.slice(lt + 9, end);
      pos = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) throw malformed('unterminated processing instruction');
      pos = end + 2;
    } else if (text.startsWith('<!', lt)) {
      // DOCTYPE (possibly with an internal subset in brackets): skipped, entities are never defined or expanded.
      const bracket = text.indexOf('[', lt);
      const gt = text.indexOf('>', lt);
      if (gt === -1) throw malformed('unterminated declaration');
      if (bracket !== -1 && bracket < gt) {
        const end = text.indexOf(']>', bracket);
        if (end === -1) throw malformed('unterminated DOCTYPE');
        pos = end + 2;
      } else pos = gt + 1;
    } else {
      const gt = tagEnd(text, lt + 1);
      if (gt === -1) throw malformed(`unterminated tag at offset ${lt}`);
      const inner = text.slice(lt + 1, gt);
      pos = gt + 1;
      if (inner.startsWith('/')) {
        const name = localName(inner.slice(1).trim());
        if (stack.length === 1 || top.name !== name) throw malformed(`unexpected </${name}> at offset ${lt}`);
        top.text = top.text.trim();
        stack.pop();
        continue;
      }
      const selfClosing = inner.endsWith('/');
      const m = /^[^\s/>]+/.exec(inner);
      if (!m) throw malformed(`bad tag at offset ${lt}`);
      const el: XmlElement = { name: localName(m[0]), children: [], text: '' };
      top.children.push(el);
      if (!selfClosing) {
        if (stack.length > MAX_DEPTH) throw malformed(`nested deeper than ${MAX_DEPTH} elements`);
        stack.push(el);
      }
    }
  }
  if (stack.length > 1) throw malformed(`<${stack[stack.length - 1]!.name}> is not closed`);
  return root;
}

/** Index of the `>` that ends a tag starting at `from`, skipping quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return i;
  }
  return -1;
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

function childText(el: XmlElement | undefined, name: string): string | undefined {
  const t = child(el, name)?.text;
  return t === undefined || t === '' ? undefined : t;
}

function coordinates(el: XmlElement | undefined): PomCoordinates {
  const out: PomCoordinates = {};
  const g = childText(el, 'groupId');
  const a = childText(el, 'artifactId');
  const v = childText(el, 'version');
  if (g) out.groupId = g;
  if (a) out.artifactId = a;
  if (v) out.version = v;
  return out;
}

const MAX_INTERPOLATION_DEPTH = 10;

/** Replaces `${name}` references, recursively (bounded); unknown ones are left in place. */
function interpolate(value: string, lookup: (name: string) => string | undefined, depth = 0): string {
  if (!value.includes('${') || depth >= MAX_INTERPOLATION_DEPTH) return value;
  const out = value.replace(/\$\{([^${}]+)\}/g, (all, name: string) => {
    const v = lookup(name.trim());
    return v === undefined ? all : v;
  });
  return out === value ? out : interpolate(out, lookup, depth + 1);
}

export function parsePomXml(input: Buffer | string): PomXml {
  const doc = parseXml(decode(input));
  const project = child(doc, 'project');
  if (!project) throw malformed('no <project> element');
  const parentEl = child(project, 'parent');
  const parent = parentEl ? coordinates(parentEl) : undefined;
  const own = coordinates(project);

  const properties = new Map<string, string>();
  for (const p of child(project, 'properties')?.children ?? []) properties.set(p.name, p.text);
  const lookup = (name: string): string | undefined => {
    switch (name) {
      case 'project.groupId':
      case 'pom.groupId':
      case 'groupId':
        return own.groupId ?? parent?.groupId;
      case 'project.artifactId':
      case 'pom.artifactId':
      case 'artifactId':
        return own.artifactId;
      case 'project.version':
      case 'pom.version':
      case 'version':
        return own.version ?? parent?.version;
      case 'project.parent.groupId':
      case 'parent.groupId':
        return parent?.groupId;
      case 'project.parent.version':
      case 'parent.version':
        return parent?.version;
      default:
        return properties.get(name);
    }
  };
  const resolved = (v: string | undefined): string | undefined => {
    if (v === undefined) return undefined;
    const r = interpolate(v, lookup).trim();
    return r === '' || r.includes('${') ? undefined : r;
  };

  const projectCoords: PomCoordinates = {};
  const g = resolved(own.groupId ?? parent?.groupId);
  const a = resolved(own.artifactId);
  const v = resolved(own.version ?? parent?.version);
  if (g) projectCoords.groupId = g;
  if (a) projectCoords.artifactId = a;
  if (v) projectCoords.version = v;

  const licenses: string[] = [];
  for (const l of child(project, 'licenses')?.children ?? []) {
    const name = l.name === 'license' ? childText(l, 'name') : undefined;
    if (name) licenses.push(name.replace(/\s+/g, ' '));
  }

  // Versions this POM itself manages (a BOM import or a parent's management is out of reach offline).
  const managed = new Map<string, string>();
  for (const d of child(child(project, 'dependencyManagement'), 'dependencies')?.children ?? []) {
    const c = coordinates(d);
    const dg = resolved(c.groupId);
    const da = resolved(c.artifactId);
    const dv = resolved(c.version);
    if (dg && da && dv) managed.set(`${dg}:${da}`, dv);
  }

  const dependencies: PomDependency[] = [];
  const unresolved: string[] = [];
  for (const d of child(project, 'dependencies')?.children ?? []) {
    if (d.name !== 'dependency') continue;
    const c = coordinates(d);
    const dg = resolved(c.groupId);
    const da = resolved(c.artifactId);
    if (!dg || !da) {
      unresolved.push(`${c.groupId ?? '?'}:${c.artifactId ?? '?'}`);
      continue;
    }
    const dv = resolved(c.version) ?? managed.get(`${dg}:${da}`);
    if (!dv) {
      unresolved.push(`${dg}:${da}`);
      continue;
    }
    const scope = resolved(childText(d, 'scope'));
    const optional = resolved(childText(d, 'optional')) === 'true';
    dependencies.push({ groupId: dg, artifactId: da, version: dv, ...(scope ? { scope } : {}), ...(optional ? { optional } : {}) });
  }
  return { project: projectCoords, ...(parent ? { parent } : {}), licenses, dependencies, unresolved };
}

/**
 * Only the <licenses> of a POM (what an archive's embedded pom.xml is read for). Parsing just that element keeps the
 * cost per jar to a substring search: a POM is mostly build configuration.
 */
export function parsePomLicenses(input: Buffer | string): string[] {
  const text = decode(input);
  const start = text.indexOf('<licenses>');
  if (start === -1) return [];
  const end = text.indexOf('</licenses>', start);
  if (end === -1) return [];
  const licenses = parseXml(text.slice(start, end + '</licenses>'.length)).children[0];
  const out: string[] = [];
  for (const l of licenses?.children ?? []) {
    const name = l.name === 'license' ? childText(l, 'name') : undefined;
    if (name) out.push(name.replace(/\s+/g, ' '));
  }
  return out;
}
