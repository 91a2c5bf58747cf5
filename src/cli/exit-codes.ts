import { isTollgateError } from '../core/index.js';

/** Exit codes (DESIGN.md §5). A failed gate uses the user's --exit-code instead. */
export const ExitCode = {
  ok: 0,
  usage: 2,
  operational: 3,
  interrupted: 130,
} as const;

/** Maps an error to an exit code: usage/configuration problems 2, everything else operational 3. */
export function exitCodeFor(e: unknown): number {
  if (isTollgateError(e)) return e.domain === 'usage' ? ExitCode.usage : ExitCode.operational;
  const code = (e as { code?: string })?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) return ExitCode.usage;
  if ((e as Error)?.name === 'AbortError') return ExitCode.interrupted;
  return ExitCode.operational;
}
