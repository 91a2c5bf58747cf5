/**
 * META-INF/maven/<groupId>/<artifactId>/pom.properties, as Maven Archiver writes it: a java.util.Properties file
 * (https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/util/Properties.html#load(java.io.Reader)).
 * Read with the same rules as Properties.load(InputStream): ISO-8859-1 bytes, `#`/`!` comments, the key ends at
 * the first unescaped `=`, `:` or blank, backslash escapes (incl. \uXXXX) and backslash-newline continuations.
 */

export interface PomProperties {
  groupId: string;
  artifactId: string;
  version: string;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f';
}

/** Logical lines: natural lines joined where a line ends in an odd number of backslashes. */
function logicalLines(text: string): string[] {
  const natural = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  let acc: string | undefined;
  for (const raw of natural) {
    let line = raw;
    if (acc !== undefined) {
      let i = 0;
      while (isBlank(line[i])) i++;
      line = line.slice(i);
    } else {
      let i = 0;
      while (isBlank(line[i])) i++;
      if (i === line.length || line[i] === '#' || line[i] === '!') continue;
      line = line.slice(i);
    }
    let slashes = 0;
    for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) slashes++;
    if (slashes % 2 === 1) {
      acc = (acc ?? '') + line.slice(0, -1);
      continue;
    }
    out.push((acc ?? '') + line);
    acc = undefined;
  }
  if (acc !== undefined) out.push(acc);
  return out;
}

function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      if (c !== '\\') out += c;
      continue;
    }
    const e = s[++i]!;
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  }
  return out;
}

/** All key/value pairs, later keys overriding earlier ones as in Properties. */
export function parseProperties(input: Buffer | string): Map<string, string> {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const props = new Map<string, string>();
  for (const line of logicalLines(text)) {
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (c === '\\') i += 2;
      else if (c === '=' || c === ':' || isBlank(c)) break;
      else i++;
    }
    const key = line.slice(0, Math.min(i, line.length));
    while (isBlank(line[i])) i++;
    if (line[i] === '=' || line[i] === ':') i++;
    while (isBlank(line[i])) i++;
    props.set(unescape(key), unescape(line.slice(i)));
  }
  return props;
}

/** The coordinates, or undefined when one of groupId/artifactId/version is missing or empty. */
export function parsePomProperties(input: Buffer | string): PomProperties | undefined {
  const props = parseProperties(input);
  const groupId = props.get('groupId')?.trim() ?? '';
  const artifactId = props.get('artifactId')?.trim() ?? '';
  const version = props.get('version')?.trim() ?? '';
  if (!groupId || !artifactId || !version) return undefined;
  return { groupId, artifactId, version };
}
