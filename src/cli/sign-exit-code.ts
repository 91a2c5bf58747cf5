import { SignError } from '../core/index.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

/** Key and predicate problems are the user's to fix (exit 2); the rest maps as usual. Kept light: sbom/scan import it. */
const USER_INPUT_CODES = new Set(['WRONG_PASSWORD', 'MALFORMED_KEY', 'UNSUPPORTED_KEY', 'KEY_NOT_FOUND', 'KEY_UNAVAILABLE', 'PREDICATE_INVALID', 'NO_TRUSTED_KEYS']);

export function signExitCode(e: unknown): number {
  if (e instanceof SignError && USER_INPUT_CODES.has(e.code)) return ExitCode.usage;
  return exitCodeFor(e);
}
