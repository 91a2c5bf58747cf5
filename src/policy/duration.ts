/**
 * Durations such as `7d`, `36h`, `1w2d`, `90m`, `30s`: one or more <integer><unit> with units w, d, h, m, s
 * (Go's time.ParseDuration has no days; policies speak in days, so they are added here). Returns seconds.
 */
const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };

export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+[wdhms])+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+)([wdhms])/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return total;
}

/** The largest whole unit among d, h, m, s (weeks are written as days: "14d" reads better than "2w"). */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const n = UNIT_SECONDS[unit]!;
    if (seconds % n === 0 && seconds >= n) return `${seconds / n}${unit}`;
  }
  return `${seconds}s`;
}

/**
 * Instants in policies: RFC 3339 (`2025-01-31T12:00:00Z`) or a date (`2025-01-31`, read as 00:00 UTC that day, as
 * Trivy reads `exp:` dates). Returns the ISO string, or undefined when it is neither.
 */
export function parseInstant(text: string): string | undefined {
  const s = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const d = new Date(`${s}T00:00:00Z`);
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s ? undefined : d.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(s)) {
    const d = new Date(s.replace(' ', 'T'));
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return undefined;
}
