/**
 * Reader for installed gem specifications (`<gem home>/specifications/[default/]<name>-<version>[-<platform>].gemspec`).
 *
 * These files are Ruby source written by RubyGems (`Gem::Specification#to_ruby`, rubygems lib/rubygems/specification.rb):
 * a `# stub: <name> <version> <platform> <require paths>` comment line, then one `s.<attr> = <literal>` line per
 * attribute inside `Gem::Specification.new do |s| … end`. They are never executed: only the assignments of name,
 * version, platform and license(s) whose right-hand side is a plain literal (string, %q string, array of strings,
 * `Gem::Version.new("…")`) are read. Anything else (method calls, constants, interpolation of unknown values) is
 * treated as unreadable: the attribute is skipped with a warning, and a gem whose name or version cannot be read
 * safely is not reported (AnalysisError, which the pipeline turns into a warning).
 */
import { AnalysisError } from '../../../core/index.js';

export interface GemspecRecord {
  name: string;
  version: string;
  /** `s.platform` when not the default "ruby" (e.g. "x86_64-linux", "java"). */
  platform?: string;
  /** `s.licenses` / `s.license` as declared. */
  licenses: string[];
}

export interface GemspecParse {
  gem: GemspecRecord;
  warnings: string[];
}

/** `Gem::Specification.new do |s|` (or `{ |s|`): the block variable that the assignments use. */
const SPEC_BLOCK = /Gem::Specification\.new\s*(?:\([^)\n]{0,200}\)\s*)?(?:do|\{)\s*\|\s*([A-Za-z_]\w*)\s*\|/;
/** `<var>.<attr> = <rhs>` at the start of a line (`==` excluded). */
const ASSIGNMENT = /^\s*([A-Za-z_]\w*)\.(name|version|platform|licenses|license)\s*=(?![=~])\s*(.*)$/;
/** `# stub: name version platform require_paths` (RubyGems StubSpecification). */
const STUB = /^# stub: (\S+) (\S+) (\S+)/;
/** A heredoc opener: `<<ID`, `<<-ID`, `<<~ID`, optionally quoted. */
const HEREDOC = /<<([~-]?)(["'`]?)([A-Za-z_]\w*)\2/;
/** RubyGems names: letters, digits, `.`, `-`, `_` (Gem::Specification#validate_name). */
const GEM_NAME = /^[A-Za-z0-9._-]+$/;
/** Gem::Version::VERSION_PATTERN, without the surrounding whitespace it tolerates. */
const GEM_VERSION = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

const MAX_WARNINGS = 20;
type Attr = 'name' | 'version' | 'platform' | 'licenses' | 'license';

export function parseGemspec(input: string | Buffer): GemspecParse {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const warnings: string[] = [];
  let dropped = 0;
  const warn = (msg: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(msg);
    else dropped++;
  };
  const block = SPEC_BLOCK.exec(text);
  if (!block) throw new AnalysisError('MALFORMED_FILE', 'not a gem specification (no Gem::Specification.new block)');
  const self = block[1]!;

  let stub: { name: string; version: string; platform: string } | undefined;
  // Raw right-hand sides per attribute, in file order; evaluated once name and version are known (interpolation).
  const raw = new Map<Attr, { line: number; rhs: string }[]>();
  let heredoc: { id: string; indented: boolean } | undefined;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (heredoc) {
      if ((heredoc.indented ? line.trim() : line) === heredoc.id) heredoc = undefined;
      continue;
    }
    if (line === '__END__') break;
    if (line.startsWith('=begin')) {
      const close = text.indexOf('\n=end', pos - 1);
      if (close === -1) break;
      const after = text.indexOf('\n', close + 1);
      pos = after === -1 ? text.length : after + 1;
      continue;
    }
    if (stub === undefined && line.startsWith('# stub: ')) {
      const m = STUB.exec(line);
      if (m) stub = { name: m[1]!, version: m[2]!, platform: m[3]! };
      continue;
    }
    const m = ASSIGNMENT.exec(line);
    if (m && m[1] === self) {
      const attr = m[2] as Attr;
      const list = raw.get(attr) ?? [];
      list.push({ line: lineNo, rhs: m[3]! });
      raw.set(attr, list);
    }
    if (line.includes('<<')) {
      // A heredoc body is data, not code: skip it. `<<` inside a string literal or followed by a space (the append
      // operator, `s.files << "x"`) opens nothing.
      const h = HEREDOC.exec(codeOf(line));
      if (h) heredoc = { id: h[3]!, indented: h[1] !== '' };
    }
  }

  const known: Record<string, string> = {};
  const single = (attr: Attr): string | undefined => {
    const values = new Set<string>();
    for (const { line, rhs } of raw.get(attr) ?? []) {
      const v = readRhs(rhs, self, known);
      if (v === undefined || typeof v !== 'string') {
        warn(`line ${line}: ${self}.${attr} is not a plain string literal; ignored`);
        continue;
      }
      values.add(v);
    }
    if (values.size > 1) throw new AnalysisError('MALFORMED_FILE', `conflicting ${self}.${attr} assignments (${[...values].join(', ')})`);
    return values.values().next().value;
  };

  const name = single('name') ?? stub?.name;
  if (name === undefined || !GEM_NAME.test(name)) throw new AnalysisError('MALFORMED_FILE', `no readable gem name${name !== undefined ? ` (${JSON.stringify(name)})` : ''}`);
  known.name = name;
  const version = single('version') ?? stub?.version;
  if (version === undefined || !GEM_VERSION.test(version.trim()))
    throw new AnalysisError('MALFORMED_FILE', `${name}: no readable gem version${version !== undefined ? ` (${JSON.stringify(version)})` : ''}`);
  known.version = version.trim();
  const platform = single('platform') ?? stub?.platform;

  const licenses: string[] = [];
  for (const attr of ['licenses', 'license'] as const) {
    for (const { line, rhs } of raw.get(attr) ?? []) {
      const v = readRhs(rhs, self, known);
      if (v === undefined) {
        warn(`line ${line}: ${self}.${attr} is not a plain literal; ignored`);
        continue;
      }
      // RubyGems stores `Array(value)` for both setters, so a bare string is a one-element list.
      for (const l of typeof v === 'string' ? [v] : v) if (l.trim() !== '' && !licenses.includes(l.trim())) licenses.push(l.trim());
    }
  }

  if (dropped) warnings.push(`${dropped} more warnings not shown`);
  return {
    gem: {
      name,
      version: known.version,
      ...(platform !== undefined && platform !== '' && platform !== 'ruby' ? { platform } : {}),
      licenses,
    },
    warnings,
  };
}

/**
 * Reads the right-hand side of an assignment: one literal, an optional `.freeze`, then nothing but a comment or a
 * statement modifier (`if s.respond_to? …`). Returns undefined when it is anything else.
 */
function readRhs(rhs: string, self: string, known: Record<string, string>): string | string[] | undefined {
  const lit = readLiteral(rhs, 0, self, known);
  if (!lit) return undefined;
  let i = skipFreeze(rhs, lit.end);
  i = skipSpaces(rhs, i);
  if (i >= rhs.length || rhs[i] === '#' || rhs[i] === ';') return lit.value;
  const rest = rhs.slice(i);
  if (rest.startsWith('if ') || rest.startsWith('unless ')) return lit.value;
  return undefined;
}

interface Literal {
  value: string | string[];
  end: number;
}

function readLiteral(s: string, start: number, self: string, known: Record<string, string>): Literal | undefined {
  const i = skipSpaces(s, start);
  const c = s[i];
  if (c === '"') return readQuoted(s, i + 1, '"', '"', true, self, known);
  if (c === "'") return readQuoted(s, i + 1, "'", "'", false, self, known);
  if (c === '%') return readPercent(s, i, self, known);
  if (c === '[') return readArray(s, i + 1, self, known);
  if (s.startsWith('Gem::Version.new(', i)) {
    const inner = readLiteral(s, i + 'Gem::Version.new('.length, self, known);
    if (!inner || typeof inner.value !== 'string') return undefined;
    const j = skipSpaces(s, skipFreeze(s, inner.end));
    return s[j] === ')' ? { value: inner.value, end: j + 1 } : undefined;
  }
  return undefined;
}

function readArray(s: string, start: number, self: string, known: Record<string, string>): Literal | undefined {
  const values: string[] = [];
  let i = skipSpaces(s, start);
  if (s[i] === ']') return { value: values, end: i + 1 };
  for (;;) {
    const lit = readLiteral(s, i, self, known);
    if (!lit || typeof lit.value !== 'string') return undefined;
    values.push(lit.value);
    i = skipSpaces(s, skipFreeze(s, lit.end));
    if (s[i] === ',') {
      i = skipSpaces(s, i + 1);
      if (s[i] === ']') return { value: values, end: i + 1 };
      continue;
    }
    if (s[i] === ']') return { value: values, end: i + 1 };
    return undefined;
  }
}

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** `%q(…)` / `%Q(…)` / `%(…)` strings and `%w[…]` word arrays, with any bracket or punctuation delimiter. */
function readPercent(s: string, start: number, self: string, known: Record<string, string>): Literal | undefined {
  let i = start + 1;
  let kind = 'Q';
  if (s[i] === 'q' || s[i] === 'Q' || s[i] === 'w' || s[i] === 'W') kind = s[i++]!;
  const open = s[i];
  if (open === undefined || /[A-Za-z0-9\s]/.test(open)) return undefined;
  const close = PAIRS[open] ?? open;
  if (kind === 'w' || kind === 'W') {
    const end = findClose(s, i + 1, open, close);
    if (end === -1) return undefined;
    const body = s.slice(i + 1, end);
    if (kind === 'W' && body.includes('#')) return undefined;
    return { value: body.split(/\s+/).filter((w) => w !== ''), end: end + 1 };
  }
  return readQuoted(s, i + 1, open, close, kind === 'Q', self, known);
}

function findClose(s: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === close) {
      if (depth === 0) return i;
      depth--;
    } else if (c === open && open !== close) depth++;
  }
  return -1;
}

/**
 * A quoted string up to its (unescaped, unnested) closing delimiter. Double-quoted forms decode the usual escapes;
 * interpolation is resolved only for `#{<spec>.name}` and `#{<spec>.version}` (RubyGems' own output never
 * interpolates, hand-written specs sometimes do); any other `#{…}`, `#@ivar` or `#$gvar` makes the string unreadable.
 */
function readQuoted(
  s: string,
  start: number,
  open: string,
  close: string,
  double: boolean,
  self: string,
  known: Record<string, string>,
): Literal | undefined {
  let out = '';
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined) return undefined;
      if (!double) {
        out += n === '\\' || n === close || n === open ? n : `\\${n}`;
        i++;
        continue;
      }
      const esc = decodeEscape(s, i + 1);
      if (!esc) return undefined;
      out += esc.text;
      i = esc.end - 1;
      continue;
    }
    if (double && c === '#') {
      const n = s[i + 1];
      if (n === '@' || n === '$') return undefined;
      if (n === '{') {
        const closeAt = s.indexOf('}', i + 2);
        if (closeAt === -1) return undefined;
        const expr = s.slice(i + 2, closeAt).trim();
        const m = /^([A-Za-z_]\w*)\.(name|version)$/.exec(expr);
        const value = m && m[1] === self ? known[m[2]!] : undefined;
        if (value === undefined) return undefined;
        out += value;
        i = closeAt;
        continue;
      }
    }
    if (c === close && depth === 0) return { value: out, end: i + 1 };
    if (open !== close) {
      if (c === open) depth++;
      else if (c === close) depth--;
    }
    out += c;
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', '0': '\0', e: '\x1b', a: '\x07', b: '\b', f: '\f', v: '\v' };

function decodeEscape(s: string, i: number): { text: string; end: number } | undefined {
  const c = s[i]!;
  if (c === 'u') {
    if (s[i + 1] === '{') {
      const closeAt = s.indexOf('}', i + 2);
      if (closeAt === -1) return undefined;
      let text = '';
      for (const hex of s.slice(i + 2, closeAt).trim().split(/\s+/)) {
        const cp = /^[0-9A-Fa-f]{1,6}$/.test(hex) ? parseInt(hex, 16) : NaN;
        if (!(cp <= 0x10ffff)) return undefined;
        text += String.fromCodePoint(cp);
      }
      return { text, end: closeAt + 1 };
    }
    const hex = s.slice(i + 1, i + 5);
    return /^[0-9A-Fa-f]{4}$/.test(hex) ? { text: String.fromCharCode(parseInt(hex, 16)), end: i + 5 } : undefined;
  }
  if (c === 'x') {
    const m = /^[0-9A-Fa-f]{1,2}/.exec(s.slice(i + 1, i + 3));
    return m ? { text: String.fromCharCode(parseInt(m[0], 16)), end: i + 1 + m[0].length } : undefined;
  }
  return { text: SIMPLE_ESCAPES[c] ?? c, end: i + 1 };
}

/** The line with the contents of quoted strings blanked and any trailing comment removed. */
function codeOf(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#') break;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
      out += `${c}${c}`;
      i = j;
      continue;
    }
    out += c;
  }
  return out;
}

function skipSpaces(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}

function skipFreeze(s: string, i: number): number {
  return s.startsWith('.freeze', i) ? i + '.freeze'.length : i;
}
