import { createHash } from 'node:crypto';
import type { CvssScore, Finding, ScanReport, ScanTarget, Severity } from '../../core/index.js';
import { vulnerabilityUrl } from '../links.js';
import { sortFindings } from '../order.js';
import type { ReportWriter } from '../writer.js';

/*
 * SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) as GitHub code scanning reads it
 * (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
 *  - one reportingDescriptor (rule) per vulnerability id, with `properties.security-severity` (a number 0.0–10.0
 *    as a string; GitHub buckets it: > 9 critical, 7–8.9 high, 4–6.9 medium, < 4 low) and tags;
 *  - one result per finding, level from the severity, a location per evidence path of the package (the path inside
 *    the image, relative to the ROOTPATH base), and partialFingerprints so alerts keep their identity across runs;
 *  - suppressed findings are results with `suppressions` (kind external), which GitHub shows as dismissed;
 *  - an incomplete scan is an invocation with executionSuccessful false and one notification per warning.
 * Conventions follow Trivy's writer (aquasecurity/trivy: pkg/report/sarif.go): rule names by target class,
 * the vendor's CVSS score (the source that gave the severity) as security-severity, else 9.5/8.0/5.5/2.0.
 */

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const ROOT = 'ROOTPATH';

type Level = 'error' | 'warning' | 'note' | 'none';

/** Trivy's mapping (toSarifErrorLevel). */
const LEVEL: Record<Severity, Level> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  NEGLIGIBLE: 'note',
  UNKNOWN: 'note',
};

/** Trivy's severityToScore: the middle of GitHub's bucket for each severity. */
const SEVERITY_SCORE: Record<Severity, number> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  NEGLIGIBLE: 0.5,
  UNKNOWN: 0.0,
};

interface Message {
  text: string;
  markdown?: string;
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: Message;
  fullDescription: Message;
  defaultConfiguration: { level: Level };
  helpUri: string;
  help: Message;
  properties: { tags: string[]; precision: 'very-high'; 'security-severity': string };
}

interface SarifLocation {
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId: string };
    region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
  };
  message: Message;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: Message;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: 'external'; status: 'accepted'; justification?: string }[];
  properties: Record<string, unknown>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; fullName: string; version: string; semanticVersion?: string; rules: SarifRule[] } };
    invocations: {
      executionSuccessful: boolean;
      endTimeUtc?: string;
      toolExecutionNotifications?: { level: 'warning'; message: Message }[];
    }[];
    results: SarifResult[];
    columnKind: 'utf16CodeUnits';
    originalUriBaseIds: Record<string, { uri: string }>;
    properties: Record<string, unknown>;
  }[];
}

export function toSarif(report: ScanReport): SarifLog {
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: SarifResult[] = [];
  const fallbackUri = artifactUri(report);

  // A rule describes the vulnerability; its help lists every package it was found in, with the fix for each.
  const byId = new Map<string, { finding: Finding; target: ScanTarget }[]>();
  const ordered: { finding: Finding; target: ScanTarget }[] = [];
  for (const target of report.targets) {
    for (const finding of sortFindings(target.findings)) {
      ordered.push({ finding, target });
      const list = byId.get(finding.id) ?? [];
      list.push({ finding, target });
      byId.set(finding.id, list);
    }
  }

  for (const { finding, target } of ordered) {
    let index = ruleIndex.get(finding.id);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(finding.id, index);
      rules.push(rule(finding, target, byId.get(finding.id) ?? []));
    }
    results.push(result(finding, index, fallbackUri));
  }

  const image = report.artifact.image;
  const properties: Record<string, unknown> = { complete: report.complete, artifact: report.artifact.input };
  if (image?.repository !== undefined) properties.imageName = image.repository + (image.tag !== undefined ? `:${image.tag}` : '');
  if (image?.repoDigests !== undefined) properties.repoDigests = image.repoDigests;
  if (image?.manifestDigest !== undefined) properties.manifestDigest = image.manifestDigest;
  if (report.os !== undefined) properties.os = `${report.os.family} ${report.os.version}`;
  properties.db = { builtAt: report.db.builtAt, stale: report.db.stale };

  const notifications = report.warnings.map((w) => ({ level: 'warning' as const, message: { text: w } }));
  if (!report.complete && notifications.length === 0) {
    notifications.push({ level: 'warning', message: { text: 'the scan is incomplete: vulnerabilities may be missing' } });
  }

  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Tollgate',
            fullName: 'Tollgate vulnerability scanner',
            version: report.tool.version,
            ...(/^\d+\.\d+\.\d+/.test(report.tool.version) ? { semanticVersion: report.tool.version } : {}),
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: report.complete,
            ...(isDateTime(report.createdAt) ? { endTimeUtc: report.createdAt } : {}),
            ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { [ROOT]: { uri: 'file:///' } },
        properties,
      },
    ],
  };
}

function rule(f: Finding, target: ScanTarget, all: { finding: Finding; target: ScanTarget }[]): SarifRule {
  const url = vulnerabilityUrl(f.id);
  const title = f.title ?? firstSentence(f.description) ?? f.id;
  const description = f.description ?? f.title ?? f.id;
  const fixes = dedupe(all.map(({ finding }) => [finding.package.name, finding.package.version, fixText(finding)] as const));
  const text = [
    `Vulnerability ${f.id}`,
    `Severity: ${f.severity}${f.severitySource !== undefined ? ` (${f.severitySource})` : ''}`,
    ...fixes.map(([name, installed, fixed]) => `Package: ${name} ${installed}, fixed version: ${fixed}`),
    `Link: ${url}`,
    '',
    description,
  ].join('\n');
  const markdown = [
    `**Vulnerability ${f.id}**`,
    '',
    '| Severity | Package | Installed Version | Fixed Version | Link |',
    '| --- | --- | --- | --- | --- |',
    ...fixes.map(
      ([name, installed, fixed]) => `| ${f.severity} | ${mdCell(name)} | ${mdCell(installed)} | ${mdCell(fixed)} | [${f.id}](${url}) |`,
    ),
    '',
    mdText(description),
  ].join('\n');
  return {
    id: f.id,
    name: target.class === 'os-pkgs' ? 'OsPackageVulnerability' : 'LanguageSpecificPackageVulnerability',
    shortDescription: { text: title },
    fullDescription: { text: description },
    defaultConfiguration: { level: LEVEL[f.severity] },
    helpUri: url,
    help: { text, markdown },
    properties: {
      tags: ['security', 'vulnerability', f.severity],
      precision: 'very-high',
      'security-severity': securitySeverity(f).toFixed(1),
    },
  };
}

function result(f: Finding, ruleIndex: number, fallbackUri: string): SarifResult {
  const paths = f.package.paths.length > 0 ? f.package.paths : [fallbackUri];
  const text = [
    `Package: ${f.package.name}`,
    `Installed Version: ${f.package.version}`,
    `Vulnerability ${f.id}`,
    `Severity: ${f.severity}`,
    `Fixed Version: ${fixText(f)}`,
    `Link: ${vulnerabilityUrl(f.id)}`,
  ].join('\n');
  const out: SarifResult = {
    ruleId: f.id,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text },
    locations: paths.map((p) => ({
      physicalLocation: {
        artifactLocation: { uri: pathUri(p), uriBaseId: ROOT },
        // Package evidence has no line: GitHub requires a region, so line 1 (as Trivy does).
        region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
      },
      message: { text: `${p}: ${f.package.name}@${f.package.version}` },
    })),
    // Stable across package upgrades that do not fix it: the alert stays the same alert.
    partialFingerprints: {
      'tollgate/v1': createHash('sha256')
        .update([f.id, f.package.type, f.package.name, paths.join(',')].join('\0'))
        .digest('hex'),
    },
    properties: {
      purl: f.package.purl,
      status: f.status,
      fixedVersions: f.fixedVersions,
      ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
      ...(f.kev !== undefined ? { kev: true } : {}),
      ...(f.epss !== undefined ? { epss: f.epss.score } : {}),
    },
  };
  if (f.suppressed !== undefined) {
    const why = [f.suppressed.by === 'vex' ? 'VEX' : 'ignore file', f.suppressed.reason, f.suppressed.statement, f.suppressed.source]
      .filter((s): s is string => s !== undefined && s !== '')
      .join(': ');
    out.suppressions = [{ kind: 'external', status: 'accepted', justification: why }];
  }
  return out;
}

/**
 * The vendor's own CVSS score when the severity came from a source that also scored it (Trivy: the CVSS of
 * SeveritySource), else the score the severity maps to: GitHub then shows the severity the report shows.
 */
function securitySeverity(f: Finding): number {
  const own = (f.cvss ?? []).filter((c: CvssScore) => f.severitySource !== undefined && c.source === f.severitySource);
  const best = own.sort((a, b) => Number(b.version) - Number(a.version))[0];
  if (best !== undefined && Number.isFinite(best.score) && best.score >= 0 && best.score <= 10) return best.score;
  return SEVERITY_SCORE[f.severity];
}

function fixText(f: Finding): string {
  if (f.fixedVersions.length > 0) return f.fixedVersions.join(', ');
  return f.status === 'fixed' ? 'unknown' : `none (${f.status})`;
}

/** An evidence path inside the image as a relative URI reference (percent-encoded, never absolute). */
function pathUri(p: string): string {
  return encodeURI(p.replace(/\\/g, '/').replace(/^\/+/, '')).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

/** What to point at when a package has no evidence path (packages read from an SBOM): the image or the file. */
function artifactUri(report: ScanReport): string {
  const repo = report.artifact.image?.repository;
  if (repo !== undefined) return repo;
  // "sbom:FILE", "oci-dir:PATH" → the path; a URI scheme in a relative reference would make it absolute.
  return report.artifact.input.replace(/^[a-z][a-z0-9+.-]*:(?!\/\/)/i, '').replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

function firstSentence(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = /^(.{1,200}?[.!?])(\s|$)/s.exec(text);
  return (m?.[1] ?? text.slice(0, 200)).replace(/\s+/g, ' ');
}

function isDateTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s);
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

function mdText(s: string): string {
  return s.replace(/</g, '&lt;');
}

function dedupe<T extends readonly unknown[]>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const sarif: ReportWriter = {
  id: 'sarif',
  description: 'SARIF 2.1.0 for GitHub code scanning (one rule per vulnerability, locations per package path)',
  write(report: ScanReport): string {
    return `${JSON.stringify(toSarif(report), null, 2)}\n`;
  },
};
