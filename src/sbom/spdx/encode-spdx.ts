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
import { type NameValue, imageProperties, packageProperties } from '../properties.js';
import { canonicalTime, optionalTime } from '../time.js';

/*
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). Layout as Trivy writes an image
 * (aquasecurity/trivy: pkg/sbom/spdx/marshal.go): DOCUMENT DESCRIBES the image package (purpose CONTAINER), the
 * image CONTAINS the OS package (purpose OPERATING_SYSTEM, spelled with "_" as the 2.3 JSON schema's enum has
 * it), the OS CONTAINS its deb/apk/rpm packages and the image CONTAINS every other package. The `tollgate:*`
 * facts that CycloneDX carries as properties become annotations ("name: value"), as Trivy does.
 *
 * Language packages: known dependencies become `A DEPENDS_ON B` (only between packages of the document); a
 * package whose evidence belongs to an OS package (Package.ownedBy) is also contained by that OS package
 * (`python3-foo CONTAINS foo`: the deb really does contain the Python distribution); artifact digests are
 * `checksums`; declared-only and development-only packages say so in the package `comment`.
 */

export interface SpdxChecksum {
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  checksumValue: string;
}

export interface SpdxExternalRef {
  referenceCategory: 'PACKAGE-MANAGER';
  referenceType: 'purl';
  referenceLocator: string;
}

export interface SpdxAnnotation {
  annotationDate: string;
  annotationType: 'OTHER';
  annotator: string;
  comment: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  sourceInfo?: string;
  checksums?: SpdxChecksum[];
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  copyrightText: 'NOASSERTION';
  description?: string;
  comment?: string;
  externalRefs?: SpdxExternalRef[];
  primaryPackagePurpose: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY';
  builtDate?: string;
  annotations?: SpdxAnnotation[];
}

export interface SpdxExtractedLicensingInfo {
  licenseId: string;
  extractedText: string;
  name?: string;
  comment?: string;
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS' | 'DEPENDS_ON';
  relatedSpdxElement: string;
  comment?: string;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { creators: string[]; created: string; comment?: string };
  comment?: string;
  packages: SpdxPackage[];
  hasExtractedLicensingInfos?: SpdxExtractedLicensingInfo[];
  relationships: SpdxRelationship[];
}

export interface SpdxOptions {
  /**
   * Base of `documentNamespace`; the document name and a UUID are appended. The default follows the pattern of
   * the SPDX spec's own examples (§6.5: "https://spdx.org/spdxdocs/…"), used by tools without a site of their own.
   */
  namespaceBase?: string;
}

const DEFAULT_NAMESPACE_BASE = 'https://spdx.org/spdxdocs';

/** Build the SPDX 2.3 document object (see {@link encodeSpdx} for the text). */
export function toSpdx(doc: SbomDocument, options: SpdxOptions = {}): SpdxDocument {
  const created = canonicalTime(doc.createdAt);
  const tool = `Tool: ${doc.tool.name}-${doc.tool.version}`;
  const ids = new SpdxIdAllocator();
  const licenses = new LicenseRefs(doc.packages);
  const annotate = (props: NameValue[]): SpdxAnnotation[] =>
    props.map((p) => ({ annotationDate: created, annotationType: 'OTHER', annotator: tool, comment: `${p.name}: ${p.value}` }));

  const image = imagePackage(doc, ids);
  const imageAnnotations = annotate(imageProperties(doc));
  if (imageAnnotations.length) image.annotations = imageAnnotations;
  const os = doc.os !== undefined ? osPackage(doc.os, ids) : undefined;

  const relationships: SpdxRelationship[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID },
  ];
  if (os !== undefined) {
    relationships.push({ spdxElementId: image.SPDXID, relationshipType: 'CONTAINS', relatedSpdxElement: os.SPDXID });
  }
  const packages: SpdxPackage[] = [];
  for (const pkg of doc.packages) {
    const p = packageElement(pkg, ids, licenses);
    const annotations = annotate(packageProperties(pkg));
    if (annotations.length) p.annotations = annotations;
    packages.push(p);
    const parent = os !== undefined && isOsPackage(pkg) ? os.SPDXID : image.SPDXID;
    relationships.push({ spdxElementId: parent, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID });
  }
  relationships.push(...packageRelationships(doc.packages, packages));

  const name = doc.image.input;
  const base = (options.namespaceBase ?? DEFAULT_NAMESPACE_BASE).replace(/\/+$/, '');
  const spdx: SpdxDocument = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    // §6.5: a unique absolute URI without "#"; the name part is reduced to idstring characters.
    documentNamespace: `${base}/${doc.tool.name}-${idstring(name) || 'image'}-${documentUuid(doc)}`,
    creationInfo: { creators: [tool], created },
    packages: [image, ...(os !== undefined ? [os] : []), ...packages],
    relationships,
  };
  if (doc.warnings.length > 0) {
    spdx.comment = `Incomplete analysis; the SBOM may miss packages:\n${doc.warnings.map((w) => `- ${w}`).join('\n')}`;
  }
  const extracted = licenses.extractedInfos();
  if (extracted.length) spdx.hasExtractedLicensingInfos = extracted;
  return spdx;
}

/**
 * DEPENDS_ON for known dependencies and CONTAINS from an owning OS package, between elements of the document
 * (a purl names the first element that carries it). `elements[i]` is the element of `packages[i]`.
 */
function packageRelationships(packages: Package[], elements: SpdxPackage[]): SpdxRelationship[] {
  const idByPurl = new Map<string, string>();
  packages.forEach((pkg, i) => {
    if (pkg.purl !== '' && !idByPurl.has(pkg.purl)) idByPurl.set(pkg.purl, elements[i]!.SPDXID);
  });
  const out: SpdxRelationship[] = [];
  packages.forEach((pkg, i) => {
    const id = elements[i]!.SPDXID;
    const seen = new Set<string>();
    for (const purl of pkg.dependsOn ?? []) {
      const dep = idByPurl.get(purl);
      if (dep === undefined || dep === id || seen.has(dep)) continue;
      seen.add(dep);
      out.push({ spdxElementId: id, relationshipType: 'DEPENDS_ON', relatedSpdxElement: dep });
    }
    const owner = pkg.ownedBy !== undefined ? idByPurl.get(pkg.ownedBy) : undefined;
    if (owner !== undefined && owner !== id) {
      out.push({
        spdxElementId: owner,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: id,
        comment: "this package's evidence is in the OS package's file list: the distribution's advisories apply",
      });
    }
  });
  return out;
}

/** SPDX 2.3 JSON text (pretty, newline-terminated). */
export function encodeSpdx(doc: SbomDocument, options: SpdxOptions = {}): string {
  return `${JSON.stringify(toSpdx(doc, options), null, 2)}\n`;
}

/** Reduces text to SPDX idstring characters ([A-Za-z0-9.-], §3.2), collapsing runs of others into "-". */
function idstring(s: string): string {
  return s
    .replace(/\+/g, '-plus')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
}

/** Readable, unique SPDXIDs: "SPDXRef-<kind>-<name>-<version>", with "-N" appended on a collision. */
class SpdxIdAllocator {
  private readonly used = new Set<string>(['SPDXRef-DOCUMENT']);
  take(kind: string, ...parts: (string | undefined)[]): string {
    const body = idstring(parts.filter((p) => p !== undefined && p !== '').join('-'));
    const base = `SPDXRef-${kind}${body ? `-${body}` : ''}`;
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}

/**
 * licenseDeclared for every package, and the LicenseRef-… ids that hold declared texts which are not SPDX
 * expressions (§10.1: each LicenseRef used must be defined in hasExtractedLicensingInfos with its text).
 * The same text gets the same LicenseRef across packages.
 */
class LicenseRefs {
  private readonly byText = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly infos: SpdxExtractedLicensingInfo[] = [];

  constructor(packages: Package[]) {
    // LicenseRefs the packages already declare are defined first so generated ones cannot take their names.
    for (const pkg of packages) {
      for (const declared of pkg.licenses) {
        const c = classifyLicense(declared);
        if (c.kind !== 'expression') continue;
        for (const ref of c.licenseRefs) {
          if (this.used.has(ref)) continue;
          this.used.add(ref);
          this.infos.push({
            licenseId: ref,
            extractedText: declared.trim(),
            comment: 'The package declared this LicenseRef without its text; the declaration is quoted.',
          });
        }
      }
    }
  }

  declared(licenses: string[]): string {
    const parts: string[] = [];
    for (const declared of licenses) {
      const c = classifyLicense(declared);
      const part =
        c.kind === 'id' ? c.id : c.kind === 'expression' ? andOperand(c) : c.text === '' ? undefined : this.ref(c.text);
      if (part !== undefined && !parts.includes(part)) parts.push(part);
    }
    if (parts.length === 0) return 'NOASSERTION';
    // One operand needs no parentheses of its own.
    return parts.length === 1 ? stripOuter(parts[0] ?? '') : parts.join(' AND ');
  }

  private ref(text: string): string {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    const base = `LicenseRef-${idstring(text) || 'unnamed'}`;
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    this.byText.set(text, id);
    this.infos.push({ licenseId: id, extractedText: text, name: text });
    return id;
  }

  extractedInfos(): SpdxExtractedLicensingInfo[] {
    return this.infos;
  }
}

function stripOuter(expression: string): string {
  const c = classifyLicense(expression);
  return c.kind === 'expression' ? c.expression : expression;
}

function imagePackage(doc: SbomDocument, ids: SpdxIdAllocator): SpdxPackage {
  const image = doc.image;
  const name = imageName(image);
  const version = imageVersion(image);
  const p: SpdxPackage = {
    SPDXID: ids.take('ContainerImage', name),
    name,
    ...(version !== undefined ? { versionInfo: version } : {}),
    supplier: 'NOASSERTION',
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
  };
  const hash = splitDigest(image.manifestDigest);
  if (hash !== undefined) p.checksums = [{ algorithm: hash.alg === 'SHA-256' ? 'SHA256' : 'SHA512', checksumValue: hash.hex }];
  const purl = ociPurl(image);
  if (purl !== undefined) p.externalRefs = [purlRef(purl)];
  const built = optionalTime(image.created);
  if (built !== undefined) p.builtDate = built;
  return p;
}

function osPackage(os: OperatingSystem, ids: SpdxIdAllocator): SpdxPackage {
  return {
    SPDXID: ids.take('OperatingSystem', os.family, os.version),
    name: os.family,
    ...(os.version ? { versionInfo: os.version } : {}),
    supplier: 'NOASSERTION',
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    ...(os.prettyName ? { description: os.prettyName } : {}),
    primaryPackagePurpose: 'OPERATING_SYSTEM',
  };
}

function packageElement(pkg: Package, ids: SpdxIdAllocator, licenses: LicenseRefs): SpdxPackage {
  const supplier = packageSupplier(pkg);
  const p: SpdxPackage = {
    SPDXID: ids.take('Package', pkg.type, pkg.name, pkg.version),
    name: pkg.name,
    ...(pkg.version ? { versionInfo: pkg.version } : {}),
    // §7.5: "Person: name (email)" or "Organization: name (email)".
    supplier:
      supplier === undefined
        ? 'NOASSERTION'
        : `${supplier.organization ? 'Organization' : 'Person'}: ${supplier.name}${supplier.email !== undefined ? ` (${supplier.email})` : ''}`,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: licenses.declared(pkg.licenses),
    copyrightText: 'NOASSERTION',
    ...(pkg.purl !== '' ? { externalRefs: [purlRef(pkg.purl)] } : {}),
    primaryPackagePurpose: 'LIBRARY',
  };
  const sourceInfo = packageSourceInfo(pkg);
  if (sourceInfo !== undefined) p.sourceInfo = sourceInfo;
  const checksums = packageHashes(pkg).map((h): SpdxChecksum => ({ algorithm: SPDX_ALGORITHM[h.alg], checksumValue: h.hex }));
  if (checksums.length) p.checksums = checksums;
  const m = pkg.metadata;
  if (m?.kind === 'python' && m.summary) p.description = m.summary;
  const notes: string[] = [];
  if (pkg.evidence === 'declared') notes.push('Declared by a lockfile or manifest; not found installed.');
  if (pkg.dev === true) notes.push('Development-only dependency.');
  if (notes.length) p.comment = notes.join(' ');
  return p;
}

const SPDX_ALGORITHM = { 'SHA-1': 'SHA1', 'SHA-256': 'SHA256', 'SHA-512': 'SHA512' } as const;

/** §7.2 externalRef locator: "no spaces" (a canonical purl has none; a stray one is percent-encoded). */
function purlRef(purl: string): SpdxExternalRef {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl.replace(/\s/g, encodeURIComponent) };
}

/** §7.19 sourceInfo: where the facts came from (database file, introducing layer) and the source package. */
function packageSourceInfo(pkg: Package): string | undefined {
  const parts: string[] = [];
  const locations = pkg.locations.filter((l) => l !== '');
  if (locations.length) parts.push(`acquired package info from ${locations.join(', ')}`);
  const layer = pkg.layer;
  if (layer !== undefined) {
    const digest = layer.diffId ?? layer.digest;
    parts.push(`introduced in layer ${layer.index}${digest !== undefined ? ` (${digest})` : ''}`);
  }
  const m = pkg.metadata;
  if (m !== undefined && (m.kind === 'dpkg' || m.kind === 'apk' || m.kind === 'rpm')) {
    const source =
      m.kind === 'dpkg'
        ? [m.sourceName, m.sourceVersion]
        : m.kind === 'apk'
          ? [m.origin, pkg.version]
          : [m.sourceName, m.sourceVersion && m.sourceRelease ? `${m.sourceVersion}-${m.sourceRelease}` : m.sourceVersion];
    const text = source.filter((s) => s !== undefined && s !== '').join(' ');
    if (text) parts.push(`built package from: ${text}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}
