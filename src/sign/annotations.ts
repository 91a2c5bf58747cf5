import { UsageError } from '../core/index.js';

/** `-a key=value` flags (cosign --annotations): the first `=` splits; a key may not be empty. */
export function parseAnnotationFlags(flags: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw new UsageError('INVALID_ARGUMENT', `annotation ${JSON.stringify(f)} is not key=value`);
    out[f.slice(0, i)] = f.slice(i + 1);
  }
  return out;
}
