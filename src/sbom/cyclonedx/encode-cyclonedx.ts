import type { OperatingSystem, Package, SbomDocument } from '../../core/index.js';
import {
  documentUuid,
  imageName,
  imageVersion,
  isOsPackage,
  ociPurl,
  packageSupplier,
  splitDigest,
} from '../identity.js';
import { packageHashes } from '../hashes.js';
import { andOperand, classifyLicense } from '../license.js';
import { type NameValue, Property, imageProperties, packageProperties, pushProperty } from '../properties.js';
import { canonicalTime } from '../time.js';

/*
 * CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). The layout follows what Trivy writes for an image
 * (aquasecurity/trivy: pkg/sbom/cyclonedx/marshal.go): the image is metadata.component (type container), the OS
 * is a component of type operating-system, and `dependencies` says root -> OS -> OS packages and root -> every
 * other package. A package whose format records its dependencies (Package.dependsOn: lockfiles, deps.json…) gets
 * an entry of its own listing the bom-refs of those that are in the document; the others get none, because
 * CycloneDX 1.6 reads an absent entry as "unknown" while an empty `dependsOn` claims "has none".
 *
 * Language-package facts: Maven groupId -> `group` (name = artifactId); artifact digests -> `hashes`;
 * development-only dependencies -> `scope: optional` (as cyclonedx-node-npm marks them: not needed at run time);
 * evidence, dev and the owning OS package -> `tollgate:package:*` properties; the main module of a Go binary is an
 * `application`.
 */

export type CdxProperty = NameValue;

export interface CdxHash {
  alg: 'SHA-1' | 'SHA-256' | 'SHA-512';
  content: string;
}

export type CdxLicenseChoice =
  | { license: { id: string } }
  | { license: { name: string } }
  | { expression: string };

export interface CdxOrganizationalEntity {
  name: string;
  contact?: { name?: string; email?: string }[];
}

export interface CdxComponent {
  type: 'container' | 'operating-system' | 'library' | 'application';
  'bom-ref': string;
  supplier?: CdxOrganizationalEntity;
  group?: string;
  name: string;
  version?: string;
  description?: string;
  /** Only `optional` is written: development-only dependencies. */
  scope?: 'optional';
  hashes?: CdxHash[];
  licenses?: CdxLicenseChoice[];
  purl?: string;
  properties?: CdxProperty[];
  evidence?: { occurrences: { location: string }[] };
}

export interface CdxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    tools: { components: { type: 'application'; name: string; version: string }[] };
    component: CdxComponent;
    properties?: CdxProperty[];
  };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
  compositions?: { aggregate: 'incomplete'; assemblies: string[] }[];
}

/** Build the CycloneDX 1.6 BOM object (see {@link encodeCycloneDx} for the text). */
export function toCycloneDx(doc: SbomDocument): CdxBom {
  const refs = new RefAllocator(doc.packages.map((p) => p.purl));
  const root = imageComponent(doc, refs);
  const os = doc.os !== undefined ? osComponent(doc.os, refs) : undefined;
  const packages = doc.packages.map((pkg) => ({ pkg, component: packageComponent(pkg, refs) }));

  const dependencies: CdxBom['dependencies'] = [];
  const rootDependsOn: string[] = [];
  if (os !== undefined) {
    rootDependsOn.push(os['bom-ref']);
    dependencies.push({
      ref: os['bom-ref'],
      dependsOn: packages.filter(({ pkg }) => isOsPackage(pkg)).map(({ component }) => component['bom-ref']),
    });
  }
  for (const { pkg, component } of packages) {
    if (os === undefined || !isOsPackage(pkg)) rootDependsOn.push(component['bom-ref']);
  }
  dependencies.unshift({ ref: root['bom-ref'], dependsOn: rootDependsOn });
  dependencies.push(...packageDependencies(packages));

  const metadataProperties: CdxProperty[] = [];
  for (const w of doc.warnings) pushProperty(metadataProperties, Property.analysisWarning, w);

  const bom: CdxBom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${documentUuid(doc)}`,
    version: 1,
    metadata: {
      timestamp: canonicalTime(doc.createdAt),
      tools: { components: [{ type: 'application', name: doc.tool.name, version: doc.tool.version }] },
      component: root,
      ...(metadataProperties.length ? { properties: metadataProperties } : {}),
    },
    components: [...(os !== undefined ? [os] : []), ...packages.map(({ component }) => component)],
    dependencies,
  };
  // CycloneDX 1.6 compositions: say so when parts of the image could not be analysed.
  if (doc.warnings.length > 0) bom.compositions = [{ aggregate: 'incomplete', assemblies: [root['bom-ref']] }];
  return bom;
}

/**
 * One entry per package whose dependencies are known, its dependsOn the bom-refs of the named purls that are in
 * the document (the first component with that purl: the bom-ref that is the purl itself). A package whose every
 * dependency is missing from the document gets no entry ("unknown") rather than a false "has none".
 */
function packageDependencies(packages: { pkg: Package; component: CdxComponent }[]): CdxBom['dependencies'] {
  const refByPurl = new Map<string, string>();
  for (const { pkg, component } of packages) if (pkg.purl !== '' && !refByPurl.has(pkg.purl)) refByPurl.set(pkg.purl, component['bom-ref']);
  const out: CdxBom['dependencies'] = [];
  for (const { pkg, component } of packages) {
    if (pkg.dependsOn === undefined) continue;
    const own = component['bom-ref'];
    const refs: string[] = [];
    for (const purl of pkg.dependsOn) {
      const ref = refByPurl.get(purl);
      if (ref !== undefined && ref !== own && !refs.includes(ref)) refs.push(ref);
    }
    if (refs.length === 0 && pkg.dependsOn.length > 0) continue;
    out.push({ ref: own, dependsOn: refs });
  }
  return out;
}

/** CycloneDX 1.6 JSON text (pretty, newline-terminated). */
export function encodeCycloneDx(doc: SbomDocument): string {
  return `${JSON.stringify(toCycloneDx(doc), null, 2)}\n`;
}

/**
 * Hands out unique bom-refs. A package's bom-ref is its purl (as Trivy does, so tools can join on it); when two
 * packages share a purl the later ones get "#duplicate-N", checked against every purl in the document.
 */
class RefAllocator {
  private readonly used = new Set<string>();
  private readonly reserved: Set<string>;
  constructor(purls: string[]) {
    this.reserved = new Set(purls);
  }
  take(preferred: string, isOwnPurl: boolean): string {
    if (!this.used.has(preferred) && (isOwnPurl || !this.reserved.has(preferred))) {
      this.used.add(preferred);
      return preferred;
    }
    for (let n = 2; ; n++) {
      const candidate = `${preferred}#duplicate-${n}`;
      if (!this.used.has(candidate) && !this.reserved.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
  }
}

function imageComponent(doc: SbomDocument, refs: RefAllocator): CdxComponent {
  const image = doc.image;
  const purl = ociPurl(image);
  const component: CdxComponent = {
    type: 'container',
    'bom-ref': refs.take(purl ?? `tollgate:image:${image.input}`, false),
    name: imageName(image),
  };
  const version = imageVersion(image);
  if (version !== undefined) component.version = version;
  // The manifest digest is the SHA-256 of the manifest bytes: the image's content identity.
  const hash = splitDigest(image.manifestDigest);
  if (hash !== undefined) component.hashes = [{ alg: hash.alg, content: hash.hex }];
  if (purl !== undefined) component.purl = purl;
  component.properties = imageProperties(doc);
  return component;
}

function osComponent(os: OperatingSystem, refs: RefAllocator): CdxComponent {
  const component: CdxComponent = {
    type: 'operating-system',
    'bom-ref': refs.take(`tollgate:os:${os.family}@${os.version}`, false),
    name: os.family,
  };
  if (os.version) component.version = os.version;
  if (os.prettyName) component.description = os.prettyName;
  const properties: CdxProperty[] = [];
  pushProperty(properties, Property.osId, os.id);
  pushProperty(properties, Property.osCodename, os.codename);
  pushProperty(properties, Property.osSource, os.source);
  if (properties.length) component.properties = properties;
  return component;
}

/** The main module of a Go binary is the program itself; everything else is a library (OS and language packages). */
function componentType(pkg: Package): CdxComponent['type'] {
  const m = pkg.metadata;
  return m?.kind === 'go' && m.mainModule === pkg.name && pkg.evidence !== 'declared' ? 'application' : 'library';
}

function packageComponent(pkg: Package, refs: RefAllocator): CdxComponent {
  const ref = pkg.purl !== '' ? refs.take(pkg.purl, true) : refs.take(`tollgate:package:${pkg.name}@${pkg.version}`, false);
  const m = pkg.metadata;
  // Maven coordinates as CycloneDX (and the purl) split them: group = groupId, name = artifactId.
  const java = m?.kind === 'java' && m.artifactId !== '' ? m : undefined;
  const component: CdxComponent = { type: componentType(pkg), 'bom-ref': ref, name: java ? java.artifactId : pkg.name };
  const supplier = packageSupplier(pkg);
  if (supplier !== undefined) {
    component.supplier = { name: supplier.name };
    if (supplier.email !== undefined) component.supplier.contact = [{ email: supplier.email }];
  }
  if (java && java.groupId !== '') component.group = java.groupId;
  if (pkg.version) component.version = pkg.version;
  if (m?.kind === 'python' && m.summary) component.description = m.summary;
  if (pkg.dev === true) component.scope = 'optional';
  const hashes = packageHashes(pkg);
  if (hashes.length) component.hashes = hashes.map((h) => ({ alg: h.alg, content: h.hex }));
  const licenses = cycloneDxLicenses(pkg.licenses);
  if (licenses !== undefined) component.licenses = licenses;
  if (pkg.purl !== '') component.purl = pkg.purl;
  const properties = packageProperties(pkg);
  if (properties.length) component.properties = properties;
  const locations = [...new Set(pkg.locations.filter((l) => l !== ''))];
  if (locations.length) component.evidence = { occurrences: locations.map((location) => ({ location })) };
  return component;
}

/**
 * CycloneDX `licenses` is EITHER a list of `{license: {id | name}}` OR exactly one `{expression}` (schema
 * definition licenseChoice). So:
 *  - only ids and texts: one `{license}` each (SPDX list ids as `id`, anything else as `name`);
 *  - ids and compound expressions, no text: one `{expression}`, the parts joined with AND;
 *  - compound expressions mixed with text: a list again, the expressions written as names, because free text
 *    cannot go into an expression without inventing a LicenseRef whose text CycloneDX would then lose.
 */
export function cycloneDxLicenses(declared: string[]): CdxLicenseChoice[] | undefined {
  const seen = new Set<string>();
  const classes = declared
    .map(classifyLicense)
    .filter((c) => {
      const key = c.kind === 'id' ? c.id : c.kind === 'expression' ? c.expression : c.text;
      if (key === '' || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  if (classes.length === 0) return undefined;
  const hasExpression = classes.some((c) => c.kind === 'expression');
  const hasText = classes.some((c) => c.kind === 'text');
  if (hasExpression && !hasText) {
    if (classes.length === 1 && classes[0]?.kind === 'expression') return [{ expression: classes[0].expression }];
    const parts = classes.map((c) => (c.kind === 'id' ? c.id : c.kind === 'expression' ? andOperand(c) : ''));
    return [{ expression: parts.join(' AND ') }];
  }
  return classes.map((c) =>
    c.kind === 'id' ? { license: { id: c.id } } : { license: { name: c.kind === 'expression' ? c.expression : c.text } },
  );
}
