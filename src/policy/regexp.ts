import { RE2JS } from 're2js';

/**
 * Regular expressions from policies are RE2 (Go's regexp, what cosign, policy-controller and Kyverno use), run by
 * re2js: linear time, so a policy author cannot stall the webhook with a pathological pattern.
 */
export type Re2 = RE2JS;

/** Compiles a pattern; returns the parser's reason instead when it is not valid RE2. */
export function compileRe2(pattern: string): Re2 | { error: string } {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function isRe2(r: Re2 | { error: string }): r is Re2 {
  return !('error' in r);
}

const cache = new Map<string, Re2 | null>();

function cached(pattern: string): Re2 | null {
  let re = cache.get(pattern);
  if (re === undefined) {
    const c = compileRe2(pattern);
    re = isRe2(c) ? c : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** Unanchored search, as Go's `regexp.MatchString` (cosign's identity regexps). Invalid patterns never match. */
export function re2Search(pattern: string, value: string): boolean {
  return cached(pattern)?.test(value) ?? false;
}

/** Whole-string match. Invalid patterns never match. */
export function re2FullMatch(pattern: string, value: string): boolean {
  return cached(pattern)?.matches(value) ?? false;
}
