import { createHash } from 'node:crypto';
import type { CvssScore, Finding, ScanReport, Severity } from '../../core/index.js';
import { vulnerabilitySourceName, vulnerabilityUrl } from '../links.js';
import { sortFindings } from '../order.js';
import type { ReportWriter } from '../writer.js';

/*
 * CycloneDX 1.6 JSON with `vulnerabilities` (https://cyclonedx.org/docs/1.6/json/#vulnerabilities): a BOM of the
 * affected packages only (bom-ref = purl, as Tollgate's SBOMs write them, so a consumer can join the two) and one
 * vulnerability entry per id — per id and suppression, because `analysis` belongs to the entry: a package that a
 * VEX statement clears gets its own entry with analysis.state and its version marked `unaffected`.
 *
 * Ratings keep every source apart (DESIGN: vendor severity first, CVSS alongside, never mixed): the vendor's
 * severity as method "other", each CVSS score with its own method, vector and source.
 */

interface CdxSource {
  name?: string;
  url?: string;
}

interface CdxRating {
  source?: CdxSource;
  score?: number;
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'info' | 'none' | 'unknown';
  method?: 'CVSSv2' | 'CVSSv3' | 'CVSSv31' | 'CVSSv4' | 'other';
  vector?: string;
}

interface CdxAnalysis {
  state?: 'resolved' | 'false_positive' | 'not_affected';
  justification?: string;
  detail?: string;
}

export interface CdxVulnerability {
  id: string;
  source: CdxSource;
  references?: { id: string; source: CdxSource }[];
  ratings?: CdxRating[];
  cwes?: number[];
  description?: string;
  detail?: string;
  recommendation?: string;
  advisories?: { url: string }[];
  published?: string;
  updated?: string;
  analysis?: CdxAnalysis;
  affects: { ref: string; versions: { version: string; status: 'affected' | 'unaffected' }[] }[];
  properties?: { name: string; value: string }[];
}

interface CdxComponent {
  type: 'container' | 'application' | 'library' | 'operating-system';
  'bom-ref': string;
  name: string;
  version?: string;
  purl?: string;
  properties?: { name: string; value: string }[];
}

export interface CdxVulnerabilityBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp?: string;
    tools: { components: { type: 'application'; name: string; version: string }[] };
    component: CdxComponent;
    properties?: { name: string; value: string }[];
  };
  components: CdxComponent[];
  vulnerabilities: CdxVulnerability[];
  compositions?: { aggregate: 'incomplete'; assemblies: string[] }[];
}

const ROOT_REF = 'tollgate:scanned-artifact';

/** OpenVEX justifications (https://github.com/openvex/spec, "Status Justifications") → CycloneDX 1.6 ones. */
const OPENVEX_TO_CDX_JUSTIFICATION: Record<string, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
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

export function toCycloneDxVulnerabilities(report: ScanReport): CdxVulnerabilityBom {
  const findings = report.targets.flatMap((t) => sortFindings(t.findings));

  const components = new Map<string, CdxComponent>();
  for (const f of findings) {
    const ref = f.package.purl;
    if (ref === '' || components.has(ref)) continue;
    components.set(ref, {
      type: 'library',
      'bom-ref': ref,
      name: f.package.name,
      version: f.package.version,
      purl: ref,
      ...(f.package.paths.length > 0
        ? { properties: f.package.paths.map((p) => ({ name: 'tollgate:package:evidence', value: p })) }
        : {}),
    });
  }

  // One entry per (id, suppression): analysis and the versions' status differ between them.
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.id}\0${JSON.stringify(f.suppressed ?? null)}`;
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  const vulnerabilities = [...groups.values()].map(vulnerability);

  const image = report.artifact.image;
  const root: CdxComponent = {
    type: image !== undefined ? 'container' : 'application',
    'bom-ref': ROOT_REF,
    name: image?.repository ?? report.artifact.input,
    ...(image?.manifestDigest !== undefined ? { version: image.manifestDigest } : image?.tag !== undefined ? { version: image.tag } : {}),
  };
  const metadataProperties = report.warnings.map((w) => ({ name: 'tollgate:scan:warning', value: w }));
  metadataProperties.push({ name: 'tollgate:scan:complete', value: String(report.complete) });
  metadataProperties.push({ name: 'tollgate:db:builtAt', value: report.db.builtAt });
  if (report.db.stale) metadataProperties.push({ name: 'tollgate:db:stale', value: 'true' });

  const timestamp = dateTime(report.createdAt);
  const bom: CdxVulnerabilityBom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${reportUuid(report)}`,
    version: 1,
    metadata: {
      ...(timestamp !== undefined ? { timestamp } : {}),
      tools: { components: [{ type: 'application', name: report.tool.name, version: report.tool.version }] },
      component: root,
      properties: metadataProperties,
    },
    components: [...components.values()],
    vulnerabilities,
  };
  // CycloneDX 1.6 compositions: the findings of an incomplete scan are not all there is.
  if (!report.complete) bom.compositions = [{ aggregate: 'incomplete', assemblies: [ROOT_REF] }];
  return bom;
}

function vulnerability(group: Finding[]): CdxVulnerability {
  const f = group[0] as Finding;
  const v: CdxVulnerability = {
    id: f.id,
    source: { name: f.match.feed, url: vulnerabilityUrl(f.id) },
    affects: [],
  };
  const aliases = unique(group.flatMap((g) => g.aliases)).filter((a) => a !== f.id);
  if (aliases.length > 0) v.references = aliases.map((a) => ({ id: a, source: { name: vulnerabilitySourceName(a), url: vulnerabilityUrl(a) } }));
  const ratings = ratingsOf(group);
  if (ratings.length > 0) v.ratings = ratings;
  const cwes = unique(group.flatMap((g) => g.cwes ?? []))
    .map((c) => /^CWE-(\d+)$/i.exec(c)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .filter((n) => n >= 1);
  if (cwes.length > 0) v.cwes = cwes;
  const description = f.description ?? f.title;
  if (description !== undefined) v.description = description;
  if (f.title !== undefined && f.description !== undefined) v.detail = f.title;

  const upgrades = unique(
    group.filter((g) => g.fixedVersions.length > 0).map((g) => `${g.package.name} to ${g.fixedVersions.join(' or ')}`),
  );
  if (upgrades.length > 0) v.recommendation = `Upgrade ${upgrades.join('; upgrade ')}`;
  const advisories = unique(group.flatMap((g) => g.references ?? [])).filter((u) => /^https?:\/\//.test(u));
  if (advisories.length > 0) v.advisories = advisories.map((url) => ({ url }));
  const published = dateTime(f.published);
  if (published !== undefined) v.published = published;
  const updated = dateTime(f.modified);
  if (updated !== undefined) v.updated = updated;

  const analysis = analysisOf(f);
  if (analysis !== undefined) v.analysis = analysis;
  const status = f.suppressed?.by === 'vex' ? 'unaffected' : 'affected';
  const byRef = new Map<string, Set<string>>();
  for (const g of group) {
    if (g.package.purl === '') continue;
    const versions = byRef.get(g.package.purl) ?? new Set<string>();
    versions.add(g.package.version);
    byRef.set(g.package.purl, versions);
  }
  v.affects = [...byRef].map(([ref, versions]) => ({ ref, versions: [...versions].map((version) => ({ version, status })) }));

  const properties: { name: string; value: string }[] = [];
  if (f.severitySource !== undefined) properties.push({ name: 'tollgate:severity:source', value: f.severitySource });
  properties.push({ name: 'tollgate:status', value: f.status });
  if (f.kev !== undefined) properties.push({ name: 'tollgate:kev:dateAdded', value: f.kev.dateAdded });
  if (f.epss !== undefined) {
    properties.push({ name: 'tollgate:epss:score', value: String(f.epss.score) });
    properties.push({ name: 'tollgate:epss:percentile', value: String(f.epss.percentile) });
  }
  if (f.suppressed !== undefined) properties.push({ name: 'tollgate:suppressed:by', value: f.suppressed.by });
  v.properties = properties;
  return v;
}

function ratingsOf(group: Finding[]): CdxRating[] {
  const out: CdxRating[] = [];
  const seen = new Set<string>();
  const push = (r: CdxRating): void => {
    const k = JSON.stringify(r);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  };
  for (const f of group) {
    push({
      ...(f.severitySource !== undefined ? { source: { name: f.severitySource } } : {}),
      severity: cdxSeverity(f.severity),
      method: 'other',
    });
  }
  for (const f of group) {
    for (const c of f.cvss ?? []) {
      const method = cvssMethod(c);
      push({
        source: { name: c.source },
        ...(Number.isFinite(c.score) ? { score: c.score, severity: cvssSeverity(c) } : {}),
        ...(method !== undefined ? { method } : { method: 'other' }),
        vector: c.vector,
      });
    }
  }
  return out;
}

function analysisOf(f: Finding): CdxAnalysis | undefined {
  const s = f.suppressed;
  if (s === undefined) return undefined;
  const detail = [s.statement, s.reason, s.source !== undefined ? `source: ${s.source}` : undefined]
    .filter((x): x is string => x !== undefined && x !== '')
    .join('; ');
  if (s.by === 'ignorefile') {
    // An accepted risk is not a CycloneDX impact state: no state, the reason in detail.
    return { detail: `suppressed by ignore file${detail !== '' ? `: ${detail}` : ''}` };
  }
  const state = s.status === 'fixed' ? 'resolved' : s.status === 'false_positive' ? 'false_positive' : 'not_affected';
  const out: CdxAnalysis = { state };
  if (s.justification !== undefined) {
    const j = CDX_JUSTIFICATIONS.has(s.justification) ? s.justification : OPENVEX_TO_CDX_JUSTIFICATION[s.justification];
    if (j !== undefined) out.justification = j;
  }
  if (detail !== '') out.detail = detail;
  return out;
}

function cdxSeverity(s: Severity): NonNullable<CdxRating['severity']> {
  return s === 'NEGLIGIBLE' ? 'info' : (s.toLowerCase() as NonNullable<CdxRating['severity']>);
}

function cvssMethod(c: CvssScore): CdxRating['method'] {
  if (c.version === '2.0' || c.vector.startsWith('AV:') || c.vector.startsWith('(AV:')) return 'CVSSv2';
  if (c.version === '3.0') return 'CVSSv3';
  if (c.version === '3.1') return 'CVSSv31';
  if (c.version.startsWith('4')) return 'CVSSv4';
  return undefined;
}

/** Qualitative rating of the score (CVSS v3.1 §5 / v4.0 §6; v2 has no "critical": 7.0–10.0 is high). */
function cvssSeverity(c: CvssScore): NonNullable<CdxRating['severity']> {
  const s = c.score;
  if (c.version === '2.0') return s >= 7 ? 'high' : s >= 4 ? 'medium' : 'low';
  if (s === 0) return 'none';
  return s >= 9 ? 'critical' : s >= 7 ? 'high' : s >= 4 ? 'medium' : 'low';
}

/** A JSON-schema date-time, or undefined: feeds write dates ("2023-10-11") and times in several forms. */
function dateTime(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const input = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(input)) return undefined;
  const ms = Date.parse(input);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** Deterministic: the same report gives the same serial number (an RFC 4122 version-5-shaped UUID). */
function reportUuid(report: ScanReport): string {
  const bytes = createHash('sha1').update('tollgate-scan\0').update(JSON.stringify(report)).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export const cyclonedx: ReportWriter = {
  id: 'cyclonedx',
  description: 'CycloneDX 1.6 JSON: affected components and vulnerabilities (ratings, affects, VEX analysis)',
  write(report: ScanReport): string {
    return `${JSON.stringify(toCycloneDxVulnerabilities(report), null, 2)}\n`;
  },
};
