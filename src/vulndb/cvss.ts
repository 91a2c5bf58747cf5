import type { Severity } from '../core/index.js';

/**
 * CVSS base scores computed from vectors, for feeds that state only the vector (OSV `severity[].score` carries
 * the vector string, never the number).
 *
 *  - v2.0: https://www.first.org/cvss/v2/guide §3.2.1 (base equation, "round_to_1_decimal")
 *  - v3.0: https://www.first.org/cvss/v3.0/specification-document §8.1 ("Round up" = smallest one-decimal number ≥ input)
 *  - v3.1: https://www.first.org/cvss/v3.1/specification-document §7.1 and Appendix A (the integer Roundup that
 *    avoids floating-point artefacts)
 *  - v4.0: scoring needs the MacroVector lookup table of the spec; the score a source states is kept instead and
 *    `cvssBaseScore` returns undefined for a v4 vector.
 *
 * Temporal/threat and environmental metrics may be present in a vector; only base metrics enter the base score.
 */

export interface ParsedCvss {
  version: '2.0' | '3.0' | '3.1' | '4.0';
  /** Metric abbreviation → value, in vector order (e.g. { AV: 'N', AC: 'L', … }). */
  metrics: Record<string, string>;
}

const V3_BASE: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
};
const V3_OTHER: Record<string, readonly string[]> = {
  E: ['X', 'U', 'P', 'F', 'H'],
  RL: ['X', 'O', 'T', 'W', 'U'],
  RC: ['X', 'U', 'R', 'C'],
  CR: ['X', 'L', 'M', 'H'],
  IR: ['X', 'L', 'M', 'H'],
  AR: ['X', 'L', 'M', 'H'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  MC: ['X', 'N', 'L', 'H'],
  MI: ['X', 'N', 'L', 'H'],
  MA: ['X', 'N', 'L', 'H'],
};
const V2_BASE: Record<string, readonly string[]> = {
  AV: ['L', 'A', 'N'],
  AC: ['H', 'M', 'L'],
  Au: ['M', 'S', 'N'],
  C: ['N', 'P', 'C'],
  I: ['N', 'P', 'C'],
  A: ['N', 'P', 'C'],
};
const V2_OTHER: Record<string, readonly string[]> = {
  E: ['U', 'POC', 'F', 'H', 'ND'],
  RL: ['OF', 'TF', 'W', 'U', 'ND'],
  RC: ['UC', 'UR', 'C', 'ND'],
  CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'],
  TD: ['N', 'L', 'M', 'H', 'ND'],
  CR: ['L', 'M', 'H', 'ND'],
  IR: ['L', 'M', 'H', 'ND'],
  AR: ['L', 'M', 'H', 'ND'],
};
const V4_BASE: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
};

function parseMetrics(
  parts: string[],
  base: Record<string, readonly string[]>,
  other: Record<string, readonly string[]> | undefined,
): Record<string, string> | undefined {
  const metrics: Record<string, string> = {};
  for (const part of parts) {
    const i = part.indexOf(':');
    if (i <= 0) return undefined;
    const key = part.slice(0, i);
    const value = part.slice(i + 1);
    if (key in metrics) return undefined; // each metric at most once (spec §6 / §2.4)
    const allowed = base[key] ?? other?.[key];
    if (other && !allowed) return undefined;
    if (allowed && !allowed.includes(value)) return undefined;
    metrics[key] = value;
  }
  for (const key of Object.keys(base)) if (!(key in metrics)) return undefined;
  return metrics;
}

/** Parses a CVSS v2, v3.0, v3.1 or v4.0 vector; undefined when it is not a valid vector. */
export function parseCvss(vector: string): ParsedCvss | undefined {
  const v = vector.trim();
  const m = /^CVSS:(3\.0|3\.1|4\.0)\/(.+)$/.exec(v);
  if (m) {
    const version = m[1] as '3.0' | '3.1' | '4.0';
    const parts = m[2]!.split('/');
    if (version === '4.0') {
      // Base metrics must all be present; the many supplemental/threat/environmental metrics are kept unchecked.
      const metrics = parseMetrics(parts, V4_BASE, undefined);
      if (!metrics) return undefined;
      return { version, metrics };
    }
    const metrics = parseMetrics(parts, V3_BASE, V3_OTHER);
    return metrics ? { version, metrics } : undefined;
  }
  // v2 vectors have no prefix; NVD sometimes wraps them in parentheses.
  const body = v.replace(/^\((.*)\)$/, '$1');
  if (!/^AV:/.test(body)) return undefined;
  const metrics = parseMetrics(body.split('/'), V2_BASE, V2_OTHER);
  return metrics ? { version: '2.0', metrics } : undefined;
}

/** CVSS v3.1 Appendix A Roundup: works on integers so that 4.000000001 does not become 4.1. */
function roundUp31(input: number): number {
  const intInput = Math.round(input * 100000);
  if (intInput % 10000 === 0) return intInput / 100000;
  return (Math.floor(intInput / 10000) + 1) / 10;
}

/** CVSS v3.0 §8.1 Round up: the smallest number with one decimal that is ≥ the input. */
function roundUp30(input: number): number {
  return Math.ceil(input * 10) / 10;
}

function v3Score(metrics: Record<string, string>, version: '3.0' | '3.1'): number {
  const av = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 }[metrics.AV as 'N']!;
  const ac = { L: 0.77, H: 0.44 }[metrics.AC as 'L']!;
  const changed = metrics.S === 'C';
  const pr = { N: 0.85, L: changed ? 0.68 : 0.62, H: changed ? 0.5 : 0.27 }[metrics.PR as 'N']!;
  const ui = { N: 0.85, R: 0.62 }[metrics.UI as 'N']!;
  const cia = (x: string | undefined) => ({ H: 0.56, L: 0.22, N: 0 })[x as 'H']!;
  const iss = 1 - (1 - cia(metrics.C)) * (1 - cia(metrics.I)) * (1 - cia(metrics.A));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  const roundUp = version === '3.1' ? roundUp31 : roundUp30;
  return changed ? roundUp(Math.min(1.08 * (impact + exploitability), 10)) : roundUp(Math.min(impact + exploitability, 10));
}

function v2Score(metrics: Record<string, string>): number {
  const av = { L: 0.395, A: 0.646, N: 1.0 }[metrics.AV as 'L']!;
  const ac = { H: 0.35, M: 0.61, L: 0.71 }[metrics.AC as 'H']!;
  const au = { M: 0.45, S: 0.56, N: 0.704 }[metrics.Au as 'M']!;
  const cia = (x: string | undefined) => ({ N: 0, P: 0.275, C: 0.66 })[x as 'N']!;
  const impact = 10.41 * (1 - (1 - cia(metrics.C)) * (1 - cia(metrics.I)) * (1 - cia(metrics.A)));
  const exploitability = 20 * av * ac * au;
  const f = impact === 0 ? 0 : 1.176;
  const raw = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  // round_to_1_decimal; the small offset keeps 4.35 (stored as 4.3499999…) rounding up as the guide's tables do.
  return Math.round(raw * 10 + 1e-9) / 10;
}

/** The base score of a v2/v3.0/v3.1 vector; undefined for an invalid vector or a v4.0 one (see above). */
export function cvssBaseScore(vector: string): number | undefined {
  const parsed = parseCvss(vector);
  if (!parsed) return undefined;
  switch (parsed.version) {
    case '2.0':
      return v2Score(parsed.metrics);
    case '3.0':
    case '3.1':
      return v3Score(parsed.metrics, parsed.version);
    default:
      return undefined;
  }
}

/**
 * Qualitative severity of a score: v3/v4 ratings of the specification (§5 of v3.1: 0.0 None, 0.1–3.9 Low,
 * 4.0–6.9 Medium, 7.0–8.9 High, 9.0–10.0 Critical); v2 as NVD rates it (0–3.9 Low, 4.0–6.9 Medium, 7.0–10 High).
 * "None" has no place on the report scale and becomes NEGLIGIBLE.
 */
export function cvssSeverity(score: number, version: string): Severity {
  if (!Number.isFinite(score) || score < 0 || score > 10) return 'UNKNOWN';
  if (version.startsWith('2')) return score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
  if (score === 0) return 'NEGLIGIBLE';
  return score >= 9 ? 'CRITICAL' : score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
}
