/**
 * Parser for the WWW-Authenticate header (RFC 7235 §4.1, grammar in §2.1 and RFC 7230 §3.2.6):
 *
 *   WWW-Authenticate = 1#challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *
 * Challenges and their parameters are both comma separated, so a new challenge starts where a token is NOT
 * followed by "=". Pure and total: malformed input yields the challenges that could be read, never an exception.
 */
export interface AuthChallenge {
  /** Lowercased auth scheme, e.g. "bearer", "basic". */
  scheme: string;
  /** Parameters with lowercased names; values unquoted. */
  params: Record<string, string>;
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  if (typeof header !== 'string') return header.flatMap((h) => parseWwwAuthenticate(h));
  const s = header;
  let i = 0;
  const out: AuthChallenge[] = [];

  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const skipWsAndCommas = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    // s[i] === '"'
    i++;
    let value = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      value += s[i];
      i++;
    }
    i++; // closing quote (or end of input)
    return value;
  };
  /** Is there "token BWS =" at position p (and not a token68 tail like "abc==")? */
  const paramAhead = (): boolean => {
    let p = i;
    while (p < s.length && TCHAR.test(s[p] as string)) p++;
    if (p === i) return false;
    while (p < s.length && (s[p] === ' ' || s[p] === '\t')) p++;
    if (s[p] !== '=') return false;
    p++;
    while (p < s.length && (s[p] === ' ' || s[p] === '\t')) p++;
    return p < s.length && (s[p] === '"' || TCHAR.test(s[p] as string)) && s[p] !== '=';
  };

  for (;;) {
    skipWsAndCommas();
    if (i >= s.length) break;
    const scheme = readToken();
    if (scheme === '') {
      // Garbage: skip to the next comma and try again.
      while (i < s.length && s[i] !== ',') i++;
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    skipWs();
    if (i >= s.length || s[i] === ',') continue; // a scheme without parameters
    if (!paramAhead()) {
      // token68
      const start = i;
      while (i < s.length && TOKEN68_CHAR.test(s[i] as string)) i++;
      while (i < s.length && s[i] === '=') i++;
      if (i > start) challenge.token68 = s.slice(start, i);
      skipWs();
      continue;
    }
    // auth-param list
    for (;;) {
      const name = readToken().toLowerCase();
      skipWs();
      i++; // '='
      skipWs();
      const value = s[i] === '"' ? readQuoted() : readToken();
      if (!(name in challenge.params)) challenge.params[name] = value;
      skipWs();
      if (s[i] !== ',') {
        // Unexpected character: resynchronise at the next comma.
        while (i < s.length && s[i] !== ',') i++;
      }
      const save = i;
      skipWsAndCommas();
      if (i < s.length && paramAhead()) continue;
      i = save;
      break;
    }
  }
  return out;
}

/** Splits a Bearer challenge "scope" parameter (space-separated scopes, distribution token spec). */
export function splitScopes(scope: string | undefined): string[] {
  return scope ? scope.split(' ').filter((x) => x !== '') : [];
}
