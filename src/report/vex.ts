import type { PackageURL } from 'packageurl-js';
import { UsageError, type Finding, type ScanReport } from '../core/index.js';
import { parsePurl, sameName } from './purl-match.js';
import { withSummary } from './summary.js';

/*
 * VEX documents that suppress findings (`--vex FILE`):
 *  - OpenVEX (https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md, v0.2.0; the v0.0.x string forms of
 *    `vulnerability` and `products` are read too);
 *  - CycloneDX VEX (https://cyclonedx.org/capabilities/vex/): `vulnerabilities[]` with `analysis.state` and
 *    `affects[].ref` (a purl, a bom-ref of a component in the same document, or a BOM-Link whose fragment is one).
 *
 * A statement applies to a finding when one of its vulnerability ids (name, @id, aliases; CycloneDX id and
 * references) is the finding's id or an alias, and a product matches the package:
 *  - a product with subcomponents is the image (an oci purl, checked against the scanned image's digests and
 *    repository when the report has them; any other id is taken as the scanned artifact) and a subcomponent must
 *    match the package;
 *  - a product without subcomponents must match the package itself, or be the image (the whole image is cleared).
 * Package purls match on type, namespace, name and, when the statement gives one, version (rpm: and epoch).
 * Other qualifiers are not compared: producers spell them differently (Ubuntu's VEX writes distro=jammy, Tollgate's
 * SBOM distro=ubuntu-22.04) and a per-arch statement is a statement about the same source. A product with
 * arch=source also matches binaries built from that source.
 *
 * As in OpenVEX (and Trivy: pkg/vex/openvex.go), the latest applicable statement wins (timestamp, then the
 * order given); only not_affected and fixed (CycloneDX: not_affected, false_positive, resolved) suppress.
 */

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation' | 'false_positive';

export interface VexProduct {
  /** The product's purl, or undefined for an id that is not a purl (a URL, an image name). */
  purl?: string;
  id: string;
  subcomponents: string[];
  /** CycloneDX affects[].versions: the package version must be one of these (empty = any). */
  versions?: string[];
}

export interface VexStatement {
  /** Ids as written (name, @id, aliases / id, references). */
  vulnerabilities: string[];
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  /** impact_statement / status_notes / action_statement, or CycloneDX analysis.detail. */
  statement?: string;
  timestamp?: string;
  /** "FILE: statements[i]" / "FILE: vulnerabilities[i]". */
  source: string;
}

export interface VexDocument {
  format: 'openvex' | 'cyclonedx';
  file: string;
  statements: VexStatement[];
}

const OPENVEX_STATUSES = new Set(['not_affected', 'affected', 'fixed', 'under_investigation']);
const OPENVEX_JUSTIFICATIONS = new Set([
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
]);
const CDX_STATES: Record<string, VexStatus> = {
  not_affected: 'not_affected',
  false_positive: 'false_positive',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
};
const CDX_JUSTIFICATIONS = new Set([
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
]);

function invalid(message: string): never {
  throw new UsageError('INVALID_CONFIG', message);
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') invalid(`${where}: "${key}" must be a string`);
  return v;
}

function list(o: Json, key: string, where: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) invalid(`${where}: "${key}" must be a list`);
  return v;
}

/** Reads an OpenVEX or CycloneDX VEX document (JSON), validating what matching relies on. */
export function parseVex(text: string, file: string): VexDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    invalid(`${file}: not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) invalid(`${file}: expected a JSON object (an OpenVEX or CycloneDX VEX document)`);
  const context = doc['@context'];
  if (typeof context === 'string' && context.startsWith('https://openvex.dev/ns')) return parseOpenVex(doc, file);
  if (doc.bomFormat === 'CycloneDX') return parseCycloneDxVex(doc, file);
  return invalid(`${file}: not an OpenVEX document (@context https://openvex.dev/ns/…) nor a CycloneDX BOM (bomFormat "CycloneDX")`);
}

function parseOpenVex(doc: Json, file: string): VexDocument {
  if (!Array.isArray(doc.statements)) invalid(`${file}: OpenVEX "statements" must be a list`);
  const docTime = optString(doc, 'timestamp', file);
  const statements = (doc.statements as unknown[]).map((raw, i): VexStatement => {
    const where = `${file}: statements[${i}]`;
    if (!isObject(raw)) invalid(`${where}: expected an object`);
    // v0.2.0: vulnerability {name, @id, aliases}; v0.0.x: a string.
    const v = raw.vulnerability;
    const ids: string[] = [];
    if (typeof v === 'string' && v !== '') ids.push(v);
    else if (isObject(v)) {
      const name = optString(v, 'name', `${where}.vulnerability`);
      const id = optString(v, '@id', `${where}.vulnerability`);
      if (name === undefined && id === undefined) invalid(`${where}.vulnerability: needs a "name" or "@id"`);
      for (const x of [name, id]) if (x !== undefined && x !== '') ids.push(x);
      for (const [j, a] of list(v, 'aliases', `${where}.vulnerability`).entries()) {
        if (typeof a !== 'string') invalid(`${where}.vulnerability.aliases[${j}]: must be a string`);
        ids.push(a);
      }
    } else invalid(`${where}: "vulnerability" is missing or not an object`);

    const status = raw.status;
    if (typeof status !== 'string' || !OPENVEX_STATUSES.has(status)) {
      invalid(`${where} (${ids[0] ?? '?'}): "status" must be one of ${[...OPENVEX_STATUSES].join(', ')}, got ${JSON.stringify(status)}`);
    }
    const justification = optString(raw, 'justification', where);
    if (justification !== undefined && !OPENVEX_JUSTIFICATIONS.has(justification)) {
      invalid(`${where} (${ids[0] ?? '?'}): unknown justification ${JSON.stringify(justification)}; expected one of ${[...OPENVEX_JUSTIFICATIONS].join(', ')}`);
    }
    const products = list(raw, 'products', where).map((p, j) => openVexProduct(p, `${where}.products[${j}]`));
    const statement =
      optString(raw, 'impact_statement', where) ?? optString(raw, 'status_notes', where) ?? optString(raw, 'action_statement', where);
    const timestamp = optString(raw, 'timestamp', where) ?? optString(raw, 'last_updated', where) ?? docTime;
    return {
      vulnerabilities: ids,
      products,
      status: status as VexStatus,
      ...(justification !== undefined ? { justification } : {}),
      ...(statement !== undefined ? { statement } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      source: where,
    };
  });
  return { format: 'openvex', file, statements };
}

/** An OpenVEX component: "@id" (an IRI, often a purl) and/or identifiers.purl; v0.0.x: a bare string. */
function openVexComponent(p: unknown, where: string): { id: string; purl?: string } {
  if (typeof p === 'string' && p !== '') return withPurl(p, undefined, where);
  if (!isObject(p)) invalid(`${where}: expected an object with "@id" or "identifiers"`);
  const id = optString(p, '@id', where);
  const identifiers = p.identifiers;
  let purl: string | undefined;
  if (identifiers !== undefined && identifiers !== null) {
    if (!isObject(identifiers)) invalid(`${where}.identifiers: expected an object`);
    purl = optString(identifiers, 'purl', `${where}.identifiers`);
  }
  if (id === undefined && purl === undefined) invalid(`${where}: needs an "@id" or identifiers.purl`);
  return withPurl(id ?? (purl as string), purl, where);
}

function withPurl(id: string, purl: string | undefined, where: string): { id: string; purl?: string } {
  const candidate = purl ?? (id.startsWith('pkg:') ? id : undefined);
  if (candidate === undefined) return { id };
  if (parsePurl(candidate) === undefined) invalid(`${where}: not a valid package URL: ${JSON.stringify(candidate)}`);
  return { id, purl: candidate };
}

function openVexProduct(p: unknown, where: string): VexProduct {
  const c = openVexComponent(p, where);
  const subs = isObject(p) ? list(p, 'subcomponents', where) : [];
  const subcomponents: string[] = [];
  subs.forEach((s, k) => {
    const sc = openVexComponent(s, `${where}.subcomponents[${k}]`);
    if (sc.purl === undefined) invalid(`${where}.subcomponents[${k}]: a subcomponent must be identified by a purl`);
    subcomponents.push(sc.purl);
  });
  return { id: c.id, ...(c.purl !== undefined ? { purl: c.purl } : {}), subcomponents };
}

function parseCycloneDxVex(doc: Json, file: string): VexDocument {
  if (!Array.isArray(doc.vulnerabilities)) invalid(`${file}: CycloneDX VEX needs a "vulnerabilities" list`);
  // bom-ref → purl over every component of the document (affects refs may name them).
  const refs = new Map<string, string>();
  const walk = (c: unknown): void => {
    if (!isObject(c)) return;
    const ref = c['bom-ref'];
    if (typeof ref === 'string' && typeof c.purl === 'string') refs.set(ref, c.purl);
    if (Array.isArray(c.components)) c.components.forEach(walk);
  };
  if (isObject(doc.metadata)) walk(doc.metadata.component);
  if (Array.isArray(doc.components)) doc.components.forEach(walk);
  const docTime = isObject(doc.metadata) ? optString(doc.metadata, 'timestamp', `${file}: metadata`) : undefined;

  const statements = (doc.vulnerabilities as unknown[]).map((raw, i): VexStatement => {
    const where = `${file}: vulnerabilities[${i}]`;
    if (!isObject(raw)) invalid(`${where}: expected an object`);
    const id = optString(raw, 'id', where);
    if (id === undefined || id === '') invalid(`${where}: "id" is required`);
    const ids = [id];
    for (const [j, r] of list(raw, 'references', where).entries()) {
      if (!isObject(r) || typeof r.id !== 'string') invalid(`${where}.references[${j}]: needs an "id"`);
      ids.push(r.id as string);
    }
    const at = `${where} (${id})`;
    let status: VexStatus = 'under_investigation';
    let justification: string | undefined;
    let detail: string | undefined;
    let analysisTime: string | undefined;
    const analysis = raw.analysis;
    if (analysis !== undefined && analysis !== null) {
      if (!isObject(analysis)) invalid(`${at}: "analysis" must be an object`);
      const state = optString(analysis, 'state', `${at}.analysis`);
      if (state !== undefined) {
        const s = CDX_STATES[state];
        if (s === undefined) invalid(`${at}.analysis: unknown state ${JSON.stringify(state)}; expected one of ${Object.keys(CDX_STATES).join(', ')}`);
        status = s;
      }
      justification = optString(analysis, 'justification', `${at}.analysis`);
      if (justification !== undefined && !CDX_JUSTIFICATIONS.has(justification)) {
        invalid(`${at}.analysis: unknown justification ${JSON.stringify(justification)}; expected one of ${[...CDX_JUSTIFICATIONS].join(', ')}`);
      }
      detail = optString(analysis, 'detail', `${at}.analysis`);
      analysisTime = optString(analysis, 'lastUpdated', `${at}.analysis`) ?? optString(analysis, 'firstIssued', `${at}.analysis`);
    }
    const products: VexProduct[] = [];
    list(raw, 'affects', where).forEach((a, j) => {
      const aw = `${at}.affects[${j}]`;
      if (!isObject(a) || typeof a.ref !== 'string' || a.ref === '') invalid(`${aw}: needs a "ref"`);
      const ref = a.ref as string;
      const purl = resolveRef(ref, refs);
      if (purl === undefined) return; // a component of another BOM that this document does not describe
      if (parsePurl(purl) === undefined) invalid(`${aw}: not a valid package URL: ${JSON.stringify(purl)}`);
      const versions: string[] = [];
      list(a, 'versions', aw).forEach((v, k) => {
        if (!isObject(v)) invalid(`${aw}.versions[${k}]: expected an object`);
        if (typeof v.version === 'string') versions.push(v.version);
      });
      products.push({ id: ref, purl, subcomponents: [], ...(versions.length > 0 ? { versions } : {}) });
    });
    const timestamp = analysisTime ?? optString(raw, 'updated', where) ?? optString(raw, 'published', where) ?? docTime;
    return {
      vulnerabilities: ids,
      products,
      status,
      ...(justification !== undefined ? { justification } : {}),
      ...(detail !== undefined ? { statement: detail } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      source: where,
    };
  });
  return { format: 'cyclonedx', file, statements };
}

/** A purl, a BOM-Link (urn:cdx:SERIAL/VERSION#REF, CycloneDX 1.5+) whose REF is one, or a bom-ref in this document. */
function resolveRef(ref: string, refs: Map<string, string>): string | undefined {
  let r = ref;
  const link = /^urn:cdx:[^#]+#(.+)$/.exec(ref);
  if (link?.[1] !== undefined) {
    try {
      r = decodeURIComponent(link[1]);
    } catch {
      r = link[1];
    }
  }
  if (r.startsWith('pkg:')) return r;
  return refs.get(r);
}

// ---------------------------------------------------------------------------------------------------------------

const SUPPRESSING = new Set<VexStatus>(['not_affected', 'fixed', 'false_positive']);

interface Candidate {
  statement: VexStatement;
  time: number;
  order: number;
  file: string;
}

/** Whether an oci purl names the scanned image; true when the report cannot tell (no image metadata). */
function isScannedImage(p: PackageURL, report: ScanReport): boolean {
  const image = report.artifact.image;
  if (image === undefined) return true;
  const digests = new Set<string>();
  if (image.manifestDigest !== undefined) digests.add(image.manifestDigest);
  if (image.indexDigest !== undefined) digests.add(image.indexDigest);
  for (const rd of image.repoDigests ?? []) {
    const d = rd.split('@')[1];
    if (d !== undefined) digests.add(d);
  }
  if (p.version && digests.size > 0) return digests.has(p.version);
  const repo = image.repository;
  if (repo === undefined) return true;
  const name = repo.split('/').pop()?.toLowerCase();
  if (p.name.toLowerCase() !== name) return false;
  const url = p.qualifiers?.repository_url;
  if (url !== undefined) return normaliseRepo(url) === normaliseRepo(repo);
  return true;
}

function normaliseRepo(r: string): string {
  return r
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^(index\.docker\.io|registry-1\.docker\.io)\//, 'docker.io/');
}

/** Type, namespace, name; the version when the statement has one (rpm: with the epoch qualifier). */
function packageMatches(productPurl: string, f: Finding, versions?: string[]): boolean {
  const p = parsePurl(productPurl);
  const target = parsePurl(f.package.purl);
  if (p === undefined || target === undefined) return false;
  const fromSource = p.qualifiers?.arch === 'source' && f.package.sourceName !== undefined;
  const nameOk = sameName(p, target) || (fromSource && p.type === target.type && (p.namespace ?? '') === (target.namespace ?? '') && p.name === f.package.sourceName);
  if (!nameOk) return false;
  if (p.version && p.version !== target.version) return false;
  if (p.version && p.type === 'rpm' && (p.qualifiers?.epoch ?? '0') !== (target.qualifiers?.epoch ?? '0')) return false;
  if (versions !== undefined && versions.length > 0 && !versions.includes(target.version ?? '')) return false;
  return true;
}

function productApplies(product: VexProduct, f: Finding, report: ScanReport): boolean {
  const p = product.purl !== undefined ? parsePurl(product.purl) : undefined;
  const isImage = p?.type === 'oci';
  if (product.subcomponents.length > 0) {
    if (isImage && p !== undefined && !isScannedImage(p, report)) return false;
    return product.subcomponents.some((s) => packageMatches(s, f));
  }
  if (p === undefined) return false;
  if (isImage) return isScannedImage(p, report);
  return packageMatches(product.purl as string, f, product.versions);
}

/**
 * The report with findings that a VEX statement clears marked `suppressed` (by "vex", with status, justification,
 * statement and source); already-suppressed findings are left alone. `summary` is recounted. Pure.
 */
export function applyVex(report: ScanReport, docs: readonly VexDocument[]): ScanReport {
  if (docs.every((d) => d.statements.length === 0)) return report;
  // Index statements by upper-cased vulnerability id.
  const byId = new Map<string, Candidate[]>();
  let order = 0;
  for (const doc of docs) {
    for (const statement of doc.statements) {
      const t = statement.timestamp !== undefined ? Date.parse(statement.timestamp) : NaN;
      const c: Candidate = { statement, time: Number.isNaN(t) ? -Infinity : t, order: order++, file: doc.file };
      for (const id of new Set(statement.vulnerabilities.map((v) => v.toUpperCase()))) {
        const l = byId.get(id) ?? [];
        l.push(c);
        byId.set(id, l);
      }
    }
  }
  const targets = report.targets.map((t) => ({
    ...t,
    findings: t.findings.map((f) => {
      if (f.suppressed !== undefined) return f;
      const seen = new Set<Candidate>();
      const applicable: Candidate[] = [];
      for (const id of [f.id, ...f.aliases]) {
        for (const c of byId.get(id.toUpperCase()) ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          if (c.statement.products.some((p) => productApplies(p, f, report))) applicable.push(c);
        }
      }
      if (applicable.length === 0) return f;
      applicable.sort((a, b) => a.time - b.time || a.order - b.order);
      const winner = (applicable[applicable.length - 1] as Candidate).statement;
      if (!SUPPRESSING.has(winner.status)) return f;
      return {
        ...f,
        suppressed: {
          by: 'vex' as const,
          reason: winner.justification !== undefined ? `${winner.status}: ${winner.justification}` : winner.status,
          ...(winner.statement !== undefined ? { statement: winner.statement } : {}),
          source: winner.source,
          status: winner.status as 'not_affected' | 'fixed' | 'false_positive',
          ...(winner.justification !== undefined ? { justification: winner.justification } : {}),
        },
      };
    }),
  }));
  return withSummary(report, targets);
}
