import { type DecodedParts, type OsFacts, type PackageFacts, type Producer, Props, type SubjectFacts } from './facts.js';
import { Fields, type JsonObject } from './json-fields.js';
import { parsePurl } from './purl.js';

/**
 * SPDX 2.2 / 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/) as Tollgate, Trivy
 * (aquasecurity/trivy: pkg/sbom/spdx/marshal.go) and Syft (anchore/syft: syft/format/common/spdxhelpers) write it.
 *   purl                externalRefs with referenceCategory PACKAGE-MANAGER (Syft before v0.60: PACKAGE_MANAGER)
 *   OS                  primaryPackagePurpose OPERATING-SYSTEM (the 2.3 JSON schema spells it OPERATING_SYSTEM)
 *   subject             primaryPackagePurpose CONTAINER, or the described element when it groups other packages
 *   groups              a package without purl that CONTAINS packages (Trivy's lockfile / application elements)
 *   dependencies        A DEPENDS_ON B, B DEPENDENCY_OF A
 *   locations           sourceInfo "acquired package info from …" (Tollgate, Syft); Trivy: package CONTAINS file
 *   source package      sourceInfo "built package from: NAME VERSION" (Trivy, Tollgate)
 *   properties          annotations / attributionTexts "Name: value" (Tollgate: tollgate:* names; Trivy: PkgID,
 *                       LayerDiffID, SrcName…, read as aquasecurity:trivy:<Name>)
 */
export function decodeSpdx(doc: JsonObject, file: string): DecodedParts {
  const f = new Fields(file);
  const specVersion = f.str(doc, 'spdxVersion', '$') ?? '';
  if (!/^SPDX-2\.\d+$/.test(specVersion)) f.fail('$.spdxVersion', `is ${JSON.stringify(specVersion)}; Tollgate reads SPDX 2.2 and 2.3 JSON`);
  const creation = f.obj(doc, 'creationInfo', '$') ?? {};
  // Creators are "Tool: name-version" strings; a few hand-written documents use objects, which name no tool.
  const creators = f.arr(creation, 'creators', '$.creationInfo').filter((c): c is string => typeof c === 'string');
  const { producer, version: producerVersion } = producerOf(creators);

  const parts: DecodedParts = {
    format: 'spdx',
    specVersion: specVersion.slice('SPDX-'.length),
    producer,
    ...(producerVersion ? { producerVersion } : {}),
    os: [],
    packages: [],
    dependsOn: new Map(),
    groups: [],
    warnings: [],
    incomplete: false,
  };
  const created = f.str(creation, 'created', '$.creationInfo');
  if (created) parts.createdAt = created;
  if (producer === 'tollgate') {
    parts.warnings.push(...tollgateWarnings(f.str(doc, 'comment', '$')));
    parts.incomplete = parts.warnings.length > 0;
  }

  const files = new Map<string, string>();
  for (const [i, fl] of f.objects(f.arr(doc, 'files', '$'), '$.files').entries()) {
    const id = f.str(fl, 'SPDXID', `$.files[${i}]`);
    const name = f.str(fl, 'fileName', `$.files[${i}]`);
    if (id && name) files.set(id, name);
  }
  const relationships = f.objects(f.arr(doc, 'relationships', '$'), '$.relationships').map((r, i) => ({
    from: f.str(r, 'spdxElementId', `$.relationships[${i}]`) ?? '',
    type: (f.str(r, 'relationshipType', `$.relationships[${i}]`) ?? '').toUpperCase(),
    to: f.str(r, 'relatedSpdxElement', `$.relationships[${i}]`) ?? '',
  }));
  const described = new Set(f.strings(doc, 'documentDescribes', '$'));
  for (const r of relationships) if (r.from === 'SPDXRef-DOCUMENT' && r.type === 'DESCRIBES') described.add(r.to);

  interface Element {
    id: string;
    path: string;
    obj: JsonObject;
    purl?: string;
    purpose: string;
    props: Props;
  }
  const elements: Element[] = f.objects(f.arr(doc, 'packages', '$'), '$.packages').map((obj, i) => {
    const path = `$.packages[${i}]`;
    const purl = purlOf(obj, f, path);
    return {
      id: f.str(obj, 'SPDXID', path) ?? path,
      path,
      obj,
      ...(purl ? { purl } : {}),
      purpose: (f.str(obj, 'primaryPackagePurpose', path) ?? '').toUpperCase().replace(/_/g, '-'),
      props: propsOf(obj, f, path, producer),
    };
  });
  const ids = new Set(elements.map((e) => e.id));
  const contains = new Map<string, string[]>();
  for (const r of relationships) {
    if (r.type === 'CONTAINS') contains.set(r.from, [...(contains.get(r.from) ?? []), r.to]);
    else if (r.type === 'CONTAINED_BY') contains.set(r.to, [...(contains.get(r.to) ?? []), r.from]);
    if (r.type === 'DEPENDS_ON' && ids.has(r.from)) parts.dependsOn.set(r.from, [...(parts.dependsOn.get(r.from) ?? []), r.to]);
    else if (r.type === 'DEPENDENCY_OF' && ids.has(r.to)) parts.dependsOn.set(r.to, [...(parts.dependsOn.get(r.to) ?? []), r.from]);
  }
  const holdsPackages = (id: string) => (contains.get(id) ?? []).some((x) => ids.has(x)) || (parts.dependsOn.get(id)?.length ?? 0) > 0;

  for (const e of elements) {
    const o = e.obj;
    const name = f.str(o, 'name', e.path) ?? f.str(o, 'packageName', e.path) ?? '';
    const version = f.version(o, 'versionInfo', e.path) ?? f.version(o, 'packageVersion', e.path);
    const oci = e.purl !== undefined && parsePurl(e.purl)?.type === 'oci';
    if (e.purpose === 'OPERATING-SYSTEM') {
      const description = f.str(o, 'description', e.path);
      const os: OsFacts = { path: e.path, name, ...(version ? { version } : {}), ...(description ? { description } : {}), props: e.props };
      parts.os.push(os);
      continue;
    }
    const isSubject = e.purpose === 'CONTAINER' || oci || (described.has(e.id) && e.purl === undefined && holdsPackages(e.id));
    if (isSubject) {
      parts.subject ??= subjectOf(e, name, version, f);
      continue;
    }
    if (e.purl === undefined && (e.purpose === 'APPLICATION' || holdsPackages(e.id))) {
      // A grouping element (Trivy's lockfile / application entries): its name is the location of its packages.
      parts.groups.push({ name, members: (contains.get(e.id) ?? []).filter((x) => ids.has(x)) });
      continue;
    }
    parts.packages.push(packageOf(e.id, e.path, o, name, version ?? '', e.purl, e.props, producer, f));
  }

  // Without a described container the document's own name is the best name of what was scanned.
  const docName = f.str(doc, 'name', '$');
  if (parts.subject === undefined && docName) parts.subject = { name: docName, props: new Props() };

  // Trivy links each language package to the file it was read from: package CONTAINS File.
  if (producer === 'trivy') {
    const byId = new Map(parts.packages.map((p) => [p.ref, p]));
    for (const [from, tos] of contains) {
      const pkg = byId.get(from);
      if (!pkg) continue;
      for (const to of tos) {
        const fileName = files.get(to);
        if (fileName) pkg.locations.push(fileName);
      }
    }
  }
  return parts;
}

function producerOf(creators: string[]): { producer: Producer; version?: string } {
  for (const c of creators) {
    const m = /^Tool:\s*(.+?)-(v?[0-9][^\s]*|dev)\s*$/i.exec(c.trim()) ?? /^Tool:\s*(\S+)\s*$/i.exec(c.trim());
    if (!m) continue;
    const name = (m[1] ?? '').toLowerCase();
    for (const known of ['tollgate', 'trivy', 'syft'] as const) {
      if (name === known) return { producer: known, ...(m[2] ? { version: m[2] } : {}) };
    }
  }
  return { producer: 'other' };
}

/** Tollgate writes its warnings into the document comment, one "- " line each (src/sbom/spdx/encode-spdx.ts). */
function tollgateWarnings(comment: string | undefined): string[] {
  if (!comment?.startsWith('Incomplete analysis')) return [];
  return comment
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));
}

function purlOf(o: JsonObject, f: Fields, path: string): string | undefined {
  for (const [i, r] of f.objects(f.arr(o, 'externalRefs', path), `${path}.externalRefs`).entries()) {
    const here = `${path}.externalRefs[${i}]`;
    const category = (f.str(r, 'referenceCategory', here) ?? '').toUpperCase().replace(/_/g, '-');
    const type = f.str(r, 'referenceType', here);
    const locator = f.str(r, 'referenceLocator', here);
    if (category === 'PACKAGE-MANAGER' && type === 'purl' && locator) return locator;
  }
  return undefined;
}

/** "Name: value" annotations (Tollgate, newer Trivy) and attribution texts (Trivy) as namespaced properties. */
function propsOf(o: JsonObject, f: Fields, path: string, producer: Producer): Props {
  const props = new Props();
  const add = (text: string) => {
    const colon = text.indexOf(': ');
    if (colon <= 0) return;
    const name = text.slice(0, colon);
    const value = text.slice(colon + 2);
    if (name.startsWith('tollgate:')) props.add(name, value);
    else if (producer === 'trivy' && /^[A-Za-z]+$/.test(name)) props.add(`aquasecurity:trivy:${name}`, value);
  };
  for (const [i, a] of f.objects(f.arr(o, 'annotations', path), `${path}.annotations`).entries()) {
    const comment = f.str(a, 'comment', `${path}.annotations[${i}]`);
    if (comment) add(comment);
  }
  for (const t of f.arr(o, 'attributionTexts', path)) if (typeof t === 'string') add(t);
  return props;
}

function subjectOf(e: { obj: JsonObject; path: string; purl?: string; purpose: string; props: Props }, name: string, version: string | undefined, f: Fields): SubjectFacts {
  const built = f.str(e.obj, 'builtDate', e.path);
  return {
    name,
    ...(version ? { version } : {}),
    ...(e.purl ? { purl: e.purl } : {}),
    ...(e.purpose ? { kind: e.purpose.toLowerCase() } : {}),
    props: e.props,
    ...(built ? { created: built } : {}),
  };
}

/** "Person: Name (email)" / "Organization: Name" → "Name <email>", the maintainer form. */
function contactText(s: string | undefined): string | undefined {
  if (!s || s === 'NOASSERTION' || s === 'NONE') return undefined;
  const body = s.replace(/^(Person|Organization|Tool):\s*/, '').trim();
  const m = /^(.*?)\s*\(([^()]*@[^()]*)\)$/.exec(body);
  return m ? `${m[1]} <${m[2]}>` : body || undefined;
}

function packageOf(
  ref: string,
  path: string,
  o: JsonObject,
  name: string,
  version: string,
  purl: string | undefined,
  props: Props,
  producer: Producer,
  f: Fields,
): PackageFacts {
  const facts: PackageFacts = { ref, path, name, version, ...(purl ? { purl } : {}), licenses: [], locations: [], props };
  const declared = f.str(o, 'licenseDeclared', path) ?? f.str(o, 'packageLicenseDeclared', path);
  if (declared && declared !== 'NOASSERTION' && declared !== 'NONE') facts.licenses.push(declared);
  const supplier = contactText(f.str(o, 'supplier', path)) ?? contactText(f.str(o, 'originator', path));
  if (supplier) facts.supplier = supplier;
  const description = f.str(o, 'description', path);
  if (description) facts.description = description;
  for (const c of f.objects(f.arr(o, 'checksums', path), `${path}.checksums`)) {
    if (c.algorithm === 'SHA1' && typeof c.checksumValue === 'string') facts.sha1 = c.checksumValue.toLowerCase();
  }
  for (const part of (f.str(o, 'sourceInfo', path) ?? '').split(/;\s+/)) {
    const acquired = /^acquired package info from (.+)$/.exec(part);
    if (acquired) {
      let list = acquired[1] ?? '';
      // Syft: "acquired package info from DPKG DB: /var/lib/dpkg/status, …"; Tollgate writes the paths only.
      const colon = producer === 'tollgate' ? -1 : list.indexOf(': ');
      if (colon > 0) {
        facts.acquiredFrom = list.slice(0, colon);
        list = list.slice(colon + 2);
      }
      facts.locations.push(...list.split(/,\s+/));
      continue;
    }
    const built = /^built package from:\s*(\S+)(?:\s+(\S+))?\s*$/.exec(part);
    if (built) {
      facts.builtFrom = { name: built[1] ?? '', ...(built[2] ? { version: built[2] } : {}) };
      continue;
    }
    const layer = /^introduced in layer (\d+)/.exec(part);
    if (layer) facts.layerHint = { index: Number(layer[1]) };
  }
  return facts;
}
