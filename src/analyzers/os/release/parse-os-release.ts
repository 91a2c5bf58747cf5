/**
 * os-release parser (freedesktop.org os-release(5)): newline-separated `KEY=value` assignments, a subset of
 * POSIX shell syntax. Values may be unquoted, 'single quoted' (literal) or "double quoted" (backslash escapes
 * `\"`, `\\`, `\$` and `` \` `` as in shell); `#` starts a comment line; blank lines are ignored.
 * The same syntax is used by /etc/lsb-release, so that file is read with this parser too.
 */

/** os-release files are a few hundred bytes; anything past this is not configuration we want to read. */
export const OS_RELEASE_MAX_CHARS = 64 * 1024;

const KEY = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(.*)$/;

/** Parses os-release text into key/value pairs. Malformed lines are skipped; later assignments win (shell semantics). */
export function parseOsRelease(text: string): Record<string, string> {
  const values = new Map<string, string>();
  const body = text.length > OS_RELEASE_MAX_CHARS ? text.slice(0, OS_RELEASE_MAX_CHARS) : text;
  for (const rawLine of body.split('\n')) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = KEY.exec(line);
    if (!m) continue;
    const [, key, rest] = m;
    if (key === undefined || rest === undefined) continue;
    values.set(key, unquote(rest.trim()));
  }
  // Object.fromEntries defines own properties, so a key such as "__proto__" cannot touch the prototype.
  return Object.fromEntries(values);
}

/** One shell word: a quoted string (anything after its closing quote is ignored) or an unquoted run. */
function unquote(raw: string): string {
  const first = raw[0];
  if (first === "'") {
    const end = raw.indexOf("'", 1);
    return end === -1 ? raw.slice(1) : raw.slice(1, end);
  }
  let out = '';
  if (first === '"') {
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i];
      if (c === '"') return out;
      if (c === '\\' && i + 1 < raw.length) {
        const next = raw[i + 1] as string;
        // Inside double quotes the shell only treats these four as escapable; other backslashes stay literal.
        if (next === '"' || next === '\\' || next === '$' || next === '`') {
          out += next;
          i++;
          continue;
        }
      }
      out += c;
    }
    return out; // unterminated quote: keep what we have rather than dropping the value
  }
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === ' ' || c === '\t') break;
    if (c === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i++;
      continue;
    }
    out += c;
  }
  return out;
}
