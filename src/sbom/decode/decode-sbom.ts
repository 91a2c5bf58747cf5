import { type LayerDescriptor, type OperatingSystem, type Package, type SbomDocument, UsageError, isTollgateError } from '../../core/index.js';
import { decodeCycloneDx } from './decode-cyclonedx.js';
import { decodeNativeJson } from './decode-native.js';
import { decodeSpdx } from './decode-spdx.js';
import { type AttestationInfo, unwrapAttestation } from './envelope.js';
import type { DecodedParts, Producer } from './facts.js';
import { imageFromSubject } from './image.js';
import { Issues } from './issues.js';
import { type JsonObject, describe, isObject } from './json-fields.js';
import { osFromFacts, osFromPurls } from './os.js';
import { spdxTagValueToJson } from './parse-spdx-tag-value.js';
import { toPackage } from './to-package.js';

export type { AttestationInfo as SbomAttestation } from './envelope.js';

/** Larger SBOMs are refused before parsing (a 256 MiB JSON text already needs ~1 GiB of heap to parse). */
export const MAX_SBOM_BYTES = 256 * 1024 * 1024;

/** Where a decoded document came from. */
export interface SbomOrigin {
  format: 'cyclonedx' | 'spdx' | 'tollgate-json';
  /** "1.6" for CycloneDX, "2.3" for SPDX, "1" for Tollgate's native JSON. */
  specVersion: string;
  producer: { name: Producer; version?: string };
  /** Present when the SBOM was the predicate of an in-toto attestation (DSSE envelope, Sigstore bundle). */
  attestation?: AttestationInfo;
}

/**
 * An SBOM read back as the scan pipeline's input. `tool` names Tollgate's version only when Tollgate wrote the
 * document (else ""); a caller that re-encodes the result sets its own. `image.kind` is what the SBOM's producer
 * scanned ("registry" for a container image, "dir" for a directory), not "sbom".
 */
export interface DecodedSbom extends SbomDocument {
  origin: SbomOrigin;
}

/**
 * Decodes a CycloneDX JSON (1.2–1.7) or SPDX 2.2/2.3 (JSON or tag-value) SBOM written by Tollgate, Trivy, Syft or another tool,
 * Tollgate's native JSON, or any of these as the predicate of an in-toto attestation (DSSE envelope as
 * `cosign attest --type cyclonedx|spdxjson` writes it, a Sigstore bundle, a bare Statement; one envelope per line as
 * `cosign download attestation` prints them). The format is detected from the content; `name` (the file name)
 * is used in messages. Anything else is a UsageError('INVALID_ARGUMENT') naming the file.
 */
export function decodeSbom(bytes: Buffer, name: string): DecodedSbom {
  if (bytes.length > MAX_SBOM_BYTES) {
    throw new UsageError('INVALID_ARGUMENT', `${name}: the SBOM is ${bytes.length} bytes; Tollgate reads SBOMs up to ${MAX_SBOM_BYTES} bytes (256 MiB)`);
  }
  return decodeText(textOf(bytes, name), name, true);
}

function fail(name: string, message: string): never {
  throw new UsageError('INVALID_ARGUMENT', `${name}: ${message}`);
}

/** UTF-8 (with or without BOM) or UTF-16 with BOM (PowerShell's `>` writes UTF-16LE). */
function textOf(bytes: Buffer, name: string): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) fail(name, 'is gzip-compressed; decompress it first (gunzip)');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function decodeText(text: string, name: string, allowEnvelope: boolean): DecodedSbom {
  const start = text.trimStart();
  if (start === '') fail(name, 'is empty');
  if (start.startsWith('<')) {
    if (/cyclonedx\.org\/schema\/bom/.test(start.slice(0, 4096))) {
      fail(name, 'is CycloneDX XML; Tollgate reads CycloneDX JSON (convert it, e.g. `cyclonedx convert --output-format json`)');
    }
    if (/spdx\.org\/rdf/.test(start.slice(0, 4096))) fail(name, 'is SPDX RDF/XML; Tollgate reads SPDX 2.2/2.3 JSON');
    fail(name, 'is XML, not a CycloneDX or SPDX JSON SBOM');
  }
  if (/^(#[^\n]*\n\s*)*SPDXVersion:/.test(start)) return decodeValue(spdxTagValueToJson(start, name), name, false);
  if (!start.startsWith('{') && !start.startsWith('[')) fail(name, 'is not JSON; expected a CycloneDX or SPDX JSON SBOM');
  let doc: unknown;
  try {
    doc = JSON.parse(start);
  } catch (e) {
    const lines = jsonLines(start);
    if (lines !== undefined) return decodeLines(lines, name);
    const msg = (e as Error).message;
    // V8 says "Unexpected end of JSON input", or names a position: at the very end the text stopped mid-document.
    const at = /position (\d+)/.exec(msg);
    const atEnd = at !== null && Number(at[1]) >= start.trimEnd().length - 1;
    const truncated = atEnd || /end of (JSON )?input|Unterminated/i.test(msg) ? ' (the file looks truncated)' : '';
    fail(name, `is not valid JSON${truncated}: ${msg}`);
  }
  return decodeValue(doc, name, allowEnvelope);
}

/** One JSON object per line (`cosign download attestation`): undefined when the text is not that. */
function jsonLines(text: string): unknown[] | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const out: unknown[] = [];
  for (const line of lines) {
    try {
      out.push(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  return out;
}

function decodeLines(docs: unknown[], name: string): DecodedSbom {
  const failures: string[] = [];
  for (const [i, doc] of docs.entries()) {
    try {
      const decoded = decodeValue(doc, `${name} (line ${i + 1})`, true);
      if (docs.length > 1) {
        decoded.warnings.push(`${name}: holds ${docs.length} JSON documents, one per line; decoded line ${i + 1}, the first SBOM`);
      }
      return decoded;
    } catch (e) {
      if (!isTollgateError(e)) throw e;
      failures.push(e.message);
    }
  }
  return fail(name, `holds ${docs.length} JSON documents, one per line, and none is an SBOM:\n  ${failures.slice(0, 5).join('\n  ')}`);
}

function decodeValue(doc: unknown, name: string, allowEnvelope: boolean): DecodedSbom {
  if (!isObject(doc)) fail(name, `is ${describe(doc)} in JSON, not a CycloneDX or SPDX document`);
  const unwrapped = unwrapAttestation(doc, name);
  if (unwrapped) {
    if (!allowEnvelope) fail(name, 'the attestation predicate is itself an attestation; expected an SBOM');
    const { predicate, info } = unwrapped;
    const inner = `${name} (predicate)`;
    const decoded = typeof predicate === 'string' ? decodeText(predicate, inner, false) : decodeValue(predicate, inner, false);
    decoded.origin.attestation = info;
    return decoded;
  }
  if (doc.bomFormat === 'CycloneDX' || (doc.bomFormat === undefined && typeof doc.$schema === 'string' && /cyclonedx/i.test(doc.$schema))) {
    return assemble(decodeCycloneDx(doc, name), name);
  }
  if (typeof doc.spdxVersion === 'string') {
    if (/^SPDX-3/.test(doc.spdxVersion)) fail(name, `is ${doc.spdxVersion}; Tollgate reads SPDX 2.2 and 2.3 JSON`);
    return assemble(decodeSpdx(doc, name), name);
  }
  if (isSpdx3(doc)) fail(name, 'is SPDX 3 (JSON-LD); Tollgate reads SPDX 2.2 and 2.3 JSON');
  if (doc.schemaVersion === 1 && isObject(doc.tool) && doc.tool.name === 'tollgate' && Array.isArray(doc.packages)) {
    const native = decodeNativeJson(doc, name);
    return { ...native, origin: { format: 'tollgate-json', specVersion: '1', producer: { name: 'tollgate', version: native.tool.version } } };
  }
  if (isObject(doc.descriptor) && doc.descriptor.name === 'syft' && Array.isArray(doc.artifacts)) {
    fail(name, "is Syft's own JSON format; write CycloneDX or SPDX instead (`syft -o cyclonedx-json` or `-o spdx-json`)");
  }
  if ('SchemaVersion' in doc && 'Results' in doc) {
    fail(name, 'is a Trivy JSON report, not an SBOM; write one with `trivy image --format cyclonedx` (or spdx-json)');
  }
  return fail(name, 'is JSON but neither CycloneDX (no "bomFormat": "CycloneDX") nor SPDX (no "spdxVersion")');
}

function isSpdx3(doc: JsonObject): boolean {
  const ctx = doc['@context'];
  const text = typeof ctx === 'string' ? ctx : Array.isArray(ctx) ? ctx.filter((c) => typeof c === 'string').join(' ') : '';
  return /spdx\.org\/rdf\/3/.test(text) || ('@graph' in doc && /spdx/i.test(text));
}

/** The common second half: facts → SbomDocument, OS chosen or inferred, references turned into purls. */
function assemble(parts: DecodedParts, name: string): DecodedSbom {
  const issues = new Issues(name);
  const { image, diffIds } = imageFromSubject(parts.subject, name);
  const layers: LayerDescriptor[] = diffIds.map((diffId, index) => ({ index, diffId, mediaType: '' }));
  const diffIdIndex = new Map(diffIds.map((d, i) => [d, i] as const));

  const os = chooseOs(parts, issues);

  // Packages a grouping element holds (Trivy's lockfile targets) are located at that element's path.
  const byRef = new Map(parts.packages.map((f) => [f.ref, f] as const));
  for (const g of parts.groups) {
    for (const ref of g.members) {
      const f = byRef.get(ref);
      if (f && f.groupLocation === undefined && g.name) f.groupLocation = g.name;
    }
  }
  const packages = parts.packages.map((f) => toPackage(f, { producer: parts.producer, ...(os ? { os } : {}), diffIdIndex, issues }));

  const purlByRef = new Map<string, string>();
  parts.packages.forEach((f, i) => {
    if (!purlByRef.has(f.ref)) purlByRef.set(f.ref, packages[i]!.purl);
  });
  parts.packages.forEach((f, i) => {
    const deps = parts.dependsOn.get(f.ref);
    if (deps === undefined) return;
    const own = packages[i]!;
    const purls = deps.map((r) => purlByRef.get(r)).filter((p): p is string => p !== undefined && p !== own.purl);
    own.dependsOn = [...new Set(purls)];
  });
  fillLayers(layers, packages);

  const warnings = [...parts.warnings];
  // A document that says it is incomplete makes an incomplete scan (SbomDocument.gaps). Tollgate marks itself
  // incomplete exactly when it has warnings, so those are the gaps; other tools give no reason.
  let gaps: string[] = [];
  if (parts.incomplete && parts.producer === 'tollgate' && parts.warnings.length > 0) gaps = [...parts.warnings];
  else if (parts.incomplete) {
    const note = `${name}: the SBOM declares itself incomplete (CycloneDX compositions aggregate "incomplete"); packages may be missing`;
    gaps = [note];
    warnings.push(note);
  }
  if (packages.length === 0) issues.note('the SBOM lists no packages');
  warnings.push(...issues.messages());

  const createdAt = parts.createdAt !== undefined && !Number.isNaN(Date.parse(parts.createdAt)) ? parts.createdAt : '1970-01-01T00:00:00Z';
  const producer = { name: parts.producer, ...(parts.producerVersion ? { version: parts.producerVersion } : {}) };
  return {
    tool: { name: 'tollgate', version: parts.producer === 'tollgate' ? (parts.producerVersion ?? '') : '' },
    createdAt,
    image,
    ...(os ? { os } : {}),
    layers,
    packages,
    warnings,
    ...(gaps.length ? { gaps } : {}),
    origin: { format: parts.format, specVersion: parts.specVersion, producer },
  };
}

function chooseOs(parts: DecodedParts, issues: Issues): OperatingSystem | undefined {
  const found = parts.os.map((o) => osFromFacts(o, parts.producer)).filter((o): o is OperatingSystem => o !== undefined);
  if (found.length > 1) {
    issues.note(`names ${found.length} operating systems (${found.map((o) => `${o.family} ${o.version}`).join(', ')}); using the first`);
  }
  let os = found[0];
  if (os === undefined) {
    const inferred = osFromPurls(parts.packages);
    if (inferred.os) os = inferred.os;
    else if (inferred.conflict) {
      issues.note(`has no OS element and its OS packages name several distributions (${inferred.conflict.join(', ')}); no OS assumed`);
    } else if (inferred.familyOnly) os = { family: inferred.familyOnly, version: '' };
  }
  if (os !== undefined && os.version === '') {
    issues.note(`names the operating system ${os.family} without its release; OS packages cannot be matched to a release's advisories`);
  }
  return os;
}

/** Blob digests and history lines of the image's layers, from the packages that name them (Tollgate, Trivy). */
function fillLayers(layers: LayerDescriptor[], packages: Package[]): void {
  for (const p of packages) {
    const ref = p.layer;
    const l = ref !== undefined ? layers[ref.index] : undefined;
    if (!ref || !l || (l.diffId !== undefined && ref.diffId !== undefined && l.diffId !== ref.diffId)) continue;
    if (ref.digest !== undefined && l.digest === undefined) l.digest = ref.digest;
    if (ref.createdBy !== undefined && l.createdBy === undefined) l.createdBy = ref.createdBy;
  }
}
