/**
 * pip requirements files (https://pip.pypa.io/en/stable/reference/requirements-file-format/).
 *
 * Only pinned requirements are packages: `name==version` or `name===version` (PEP 440 arbitrary equality), a single
 * specifier, no wildcard (`==2.8.*` is a range). Ranges, bare names, URLs and editable installs name no version
 * (Trivy and Syft's default configuration skip them too). Per the file format:
 *   - a trailing backslash joins a line with the next one;
 *   - `#` starts a comment (Trivy also strips `Jinja2==3.0.0#comment`; a `#` never occurs in a pinned requirement);
 *   - lines starting with `-` are options (`-r`, `-c`, `-e`, `--index-url`…); included files are not followed
 *     (each requirements file found in the scan is read on its own);
 *   - per-requirement options (`--hash=…`) follow the requirement after whitespace;
 *   - `; marker` environment markers are ignored (the package is declared, whatever platform it is for);
 *   - `[extra,…]` extras are dropped from the name.
 */
import { isValidName, isValidVersion } from './requirement.js';
import { decodeText, splitLines } from './text.js';

export interface RequirementRecord {
  /** Name as written (extras removed). */
  name: string;
  version: string;
  /** 1-based line number of the requirement's first line. */
  line: number;
}

/** Logical lines longer than this are not requirements (a hash list of a few dozen entries is ~5 KiB). */
const MAX_LOGICAL_LINE = 64 * 1024;

export function parseRequirements(content: Buffer): RequirementRecord[] {
  const lines = splitLines(decodeText(content));
  const out: RequirementRecord[] = [];
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (buf === '') start = i + 1;
    const trimmedEnd = line.trimEnd();
    if (trimmedEnd.endsWith('\\') && !trimmedEnd.trimStart().startsWith('#')) {
      line = trimmedEnd.slice(0, -1);
      if (buf.length + line.length <= MAX_LOGICAL_LINE) buf += `${line} `;
      if (i < lines.length - 1) continue;
    } else if (buf.length + line.length <= MAX_LOGICAL_LINE) {
      buf += line;
    }
    const rec = parseRequirementLine(buf);
    if (rec) out.push({ ...rec, line: start });
    buf = '';
  }
  return out;
}

/** One logical line → a pinned requirement, or undefined. Exported for unit tests. */
export function parseRequirementLine(raw: string): Omit<RequirementRecord, 'line'> | undefined {
  let s = raw;
  const hash = s.indexOf('#');
  if (hash !== -1) s = s.slice(0, hash);
  s = s.trim();
  if (s === '' || s.startsWith('-')) return undefined;
  // Per-requirement options: whitespace then "-" ("--hash=…", "-C key=value").
  const opt = s.search(/\s-/);
  if (opt !== -1) s = s.slice(0, opt);
  const semi = s.indexOf(';');
  if (semi !== -1) s = s.slice(0, semi);
  // The first version operator: one of "=", "~", "!", "<", ">".
  let op = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '=' || c === '~' || c === '!' || c === '<' || c === '>') {
      op = i;
      break;
    }
  }
  if (op === -1 || s[op] !== '=' || s[op + 1] !== '=') return undefined;
  const rest = s.slice(op + (s[op + 2] === '=' ? 3 : 2)).trim();
  // A second specifier ("==1.0, !=1.0.1") makes it a range; "== 3.7.1 @ git+…" (Syft's fixture) keeps the pin.
  const version = rest.split(/[\s@]/, 1)[0]!;
  if (rest.includes(',') || version.includes('*') || !isValidVersion(version)) return undefined;
  let name = s.slice(0, op);
  const bracket = name.indexOf('[');
  if (bracket !== -1) name = name.slice(0, bracket);
  name = name.trim();
  if (!isValidName(name)) return undefined;
  return { name, version };
}
