import { UsageError } from '../core/index.js';

/**
 * Path patterns of `.trivyignore.yaml` (`paths:`), which Trivy matches with doublestar
 * (github.com/bmatcuk/doublestar): `*` and `?` stay within one path segment, `**` as a whole segment spans any
 * number of segments (zero included), `[abc]`/`[!abc]`/`[a-z]` classes, `{a,b}` alternatives, `\` escapes.
 * Paths are image paths without a leading slash; a leading slash in the pattern is dropped so that both spellings
 * work. Returns a RegExp anchored at both ends; a malformed pattern is a UsageError.
 */
export function globToRegExp(pattern: string, where: string): RegExp {
  const p = pattern.replace(/^\/+/, '');
  let re = '';
  let i = 0;
  let braces = 0;
  const fail = (why: string): never => {
    throw new UsageError('INVALID_CONFIG', `${where}: invalid path pattern ${JSON.stringify(pattern)}: ${why}`);
  };
  while (i < p.length) {
    const c = p[i] as string;
    if (c === '*') {
      if (p[i + 1] === '*') {
        const segStart = i === 0 || p[i - 1] === '/';
        const segEnd = i + 2 === p.length || p[i + 2] === '/';
        if (segStart && segEnd) {
          if (i + 2 === p.length) {
            re += '.*';
            i += 2;
          } else {
            // "**/" : zero or more whole segments
            re += '(?:[^/]*(?:/[^/]*)*/)?';
            i += 3;
          }
          continue;
        }
      }
      re += '[^/]*';
      i++;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) fail('unclosed [');
      let body = p.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') fail('empty character class');
      re += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
      i = end + 1;
    } else if (c === '{') {
      braces++;
      re += '(?:';
      i++;
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
      i++;
    } else if (c === ',' && braces > 0) {
      re += '|';
      i++;
    } else if (c === '\\') {
      if (i + 1 >= p.length) fail('trailing backslash');
      re += escapeRe(p[i + 1] as string);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  if (braces > 0) fail('unclosed {');
  return new RegExp(`^${re}$`, 's');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, (x) => `\\${x}`);
}
