/**
 * Go build information embedded in executables (what `go version -m` prints), read without running the program.
 *
 * Layout (Go's src/debug/buildinfo/buildinfo.go and cmd/link, which writes it): a 32-byte header aligned to 16
 * bytes, starting with the 14-byte magic "\xff Go buildinf:", then the pointer size (byte 14) and flags (byte 15:
 * bit 0 big-endian, bit 1 "strings inline").
 *   - Go ≥ 1.18 (inline): after the header, two varint-length-prefixed strings: the Go version, then the module
 *     info.
 *   - Go 1.13–1.17 (pointer): bytes 16.. hold two pointers (pointer size each) to Go string headers
 *     {data pointer, length} for runtime.buildVersion and runtime.modinfo; reading them means mapping virtual
 *     addresses to file offsets through the segment/section tables.
 * The header sits in the `.go.buildinfo` section (ELF, Go ≥ 1.13), `__go_buildinfo` (Mach-O, Go ≥ 1.18) or at the
 * start of the writable data (PE `.data`, older Mach-O `__DATA,__data`, ELF without section headers), where Go
 * itself looks for it: the first 64 KiB of that data, 16-byte aligned.
 *
 * Supported and tested: ELF (32/64-bit, both byte orders), PE and Mach-O (incl. universal binaries: first slice),
 * both header formats. Not supported: Go < 1.13 binaries (no header with this magic on ELF; they only carry the
 * version in runtime.buildVersion, found through the symbol table), and other formats (XCOFF, Plan 9, wasm).
 *
 * The modinfo text (src/runtime/debug/mod.go, BuildInfo.String / ParseBuildInfo) is one record per line, fields
 * separated by tabs: `path`, `mod path version [sum]`, `dep path version [sum]`, `=> path version [sum]` (replaces the
 * line before it) and `build key=value` (value Go-quoted when it holds spaces, tabs, quotes or newlines).
 */
import { AnalysisError } from '../../../core/index.js';
import { executableFormat, findSection, parseExecutable, readVirtual, sectionBytes, type Executable } from '../executable.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
/** Go searches this much of the data segment for the header. */
const SEARCH_WINDOW = 64 * 1024;
/** Go's own bound on the strings it reads (debug/buildinfo: maxSize in readString is 1 MiB for the pointer form). */
const MAX_VERSION = 1024;
/** Large programs (Kubernetes, Grafana) carry 50–150 KiB of modinfo; 4 MiB bounds memory on hostile input. */
export const MAX_MODINFO = 4 * 1024 * 1024;

export interface GoBuildInfoRaw {
  /** "go1.21.5", possibly with a suffix such as " X:boringcrypto". */
  goVersion: string;
  /** The modinfo text without its 16-byte sentinels ('' when the binary was built without module support). */
  modinfo: string;
  format: 'inline' | 'pointer';
}

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', `Go build info: ${message}`);
}

/**
 * Reads the build info of a Go executable; undefined when the file is not an executable or not built by Go
 * (Go ≥ 1.13). Throws AnalysisError (MALFORMED_FILE) when a Go header is present but its contents are damaged.
 */
export function readGoBuildInfo(buf: Buffer): GoBuildInfoRaw | undefined {
  if (executableFormat(buf) === undefined) return undefined;
  const exe = parseExecutable(buf);
  const at = locateHeader(buf, exe);
  if (at === undefined) return undefined;
  const ptrSize = buf[at + 14]!;
  const flags = buf[at + 15]!;
  const bigEndian = (flags & 1) !== 0;
  if ((flags & 2) !== 0) {
    const [vers, next] = varintString(buf, at + HEADER_SIZE, MAX_VERSION, 'Go version');
    const [mod] = varintString(buf, next, MAX_MODINFO, 'module info');
    if (vers.length === 0) return undefined;
    return { goVersion: vers.toString('utf8'), modinfo: stripSentinels(mod), format: 'inline' };
  }
  if (ptrSize !== 4 && ptrSize !== 8) throw malformed(`pointer size ${ptrSize} is neither 4 nor 8`);
  if (at + 16 + 2 * ptrSize > buf.length) throw malformed('header is truncated');
  const readPtr = (b: Buffer, off: number): number => {
    if (ptrSize === 4) return bigEndian ? b.readUInt32BE(off) : b.readUInt32LE(off);
    const v = bigEndian ? b.readBigUInt64BE(off) : b.readBigUInt64LE(off);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
  };
  const goString = (addr: number, max: number, what: string): Buffer => {
    const hdr = readVirtual(buf, exe, addr, 2 * ptrSize);
    if (!hdr) throw malformed(`${what} string header at 0x${addr.toString(16)} is not in the file`);
    const dataAddr = readPtr(hdr, 0);
    const len = readPtr(hdr, ptrSize);
    if (!Number.isSafeInteger(len) || len > max) throw malformed(`${what} claims ${len} bytes (limit ${max})`);
    if (len === 0) return Buffer.alloc(0);
    const data = readVirtual(buf, exe, dataAddr, len);
    if (!data) throw malformed(`${what} (${len} bytes at 0x${dataAddr.toString(16)}) is not in the file`);
    return data;
  };
  const vers = goString(readPtr(buf, at + 16), MAX_VERSION, 'Go version');
  if (vers.length === 0) return undefined;
  const mod = goString(readPtr(buf, at + 16 + ptrSize), MAX_MODINFO, 'module info');
  return { goVersion: vers.toString('utf8'), modinfo: stripSentinels(mod), format: 'pointer' };
}

/** File offset of the build-info header, where Go's own reader would find it. */
function locateHeader(buf: Buffer, exe: Executable): number | undefined {
  const named = exe.format === 'elf' ? findSection(exe, '.go.buildinfo') : exe.format === 'macho' ? findSection(exe, '__go_buildinfo') : undefined;
  if (named) {
    const bytes = sectionBytes(buf, named, Number.MAX_SAFE_INTEGER);
    if (bytes.length >= HEADER_SIZE && bytes.subarray(0, MAGIC.length).equals(MAGIC)) return named.offset;
    throw malformed(`section ${named.name} does not start with the build-info magic`);
  }
  const start = dataStart(exe);
  if (start === undefined) return undefined;
  // Search only the window (not the rest of the file): ordinary C programs land here and must stay cheap.
  const window = buf.subarray(start, Math.min(buf.length, start + SEARCH_WINDOW));
  for (let i = window.indexOf(MAGIC); i !== -1 && i + HEADER_SIZE <= window.length; i = window.indexOf(MAGIC, i + 1)) {
    if (i % ALIGN === 0) return start + i;
  }
  return undefined;
}

/** File offset of the start of the program's writable data (Go's DataStart per format). */
function dataStart(exe: Executable): number | undefined {
  if (exe.format === 'macho') {
    const s = findSection(exe, '__data', '__DATA');
    if (s?.inFile) return s.offset;
  }
  if (exe.format === 'pe') {
    // IMAGE_SCN_CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE, whatever the alignment bits: Go's .data.
    const s = exe.sections.find((x) => x.name === '.data' && x.inFile);
    if (s) return s.offset;
  }
  const r = exe.regions.find((x) => x.writable && !x.executable && x.size > 0);
  return r?.offset;
}

/** A uvarint-length-prefixed string (encoding/binary.Uvarint) at `off`; returns it and the offset after it. */
function varintString(buf: Buffer, off: number, max: number, what: string): [Buffer, number] {
  let len = 0;
  let shift = 0;
  let i = off;
  for (;;) {
    if (i >= buf.length) throw malformed(`${what} length is truncated`);
    const b = buf[i++]!;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
    if (shift > 49) throw malformed(`${what} length varint is too long`);
  }
  if (len > max) throw malformed(`${what} claims ${len} bytes (limit ${max})`);
  if (i + len > buf.length) throw malformed(`${what} claims ${len} bytes but only ${buf.length - i} remain in the file`);
  return [buf.subarray(i, i + len), i + len];
}

/** runtime/debug: modinfo is wrapped in two 16-byte sentinels; Go drops it unless the text before the end one is "\n". */
function stripSentinels(b: Buffer): string {
  if (b.length >= 33 && b[b.length - 17] === 0x0a) return b.toString('utf8', 16, b.length - 16);
  return '';
}

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  /** The `=>` line that replaced this module. */
  replace?: { path: string; version: string; sum?: string };
}

export interface GoModInfo {
  /** `path`: the main package's import path. */
  path?: string;
  /** `mod`: the main module (absent for GOPATH-mode builds such as Debian's). */
  main?: GoModule;
  deps: GoModule[];
  /** `build` settings in order (key, unquoted value). */
  settings: [string, string][];
  warnings: string[];
}

/** Parses the modinfo text. Unknown or malformed lines become warnings (Go's own parser rejects the whole text). */
export function parseModInfo(text: string): GoModInfo {
  const out: GoModInfo = { deps: [], settings: [], warnings: [] };
  let last: GoModule | undefined;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line === '') continue;
    const f = line.split('\t');
    const kind = f[0];
    const mod = (): GoModule | undefined => {
      if (f.length < 3 || f[1] === '') return undefined;
      return { path: f[1]!, version: f[2]!, ...(f[3] ? { sum: f[3] } : {}) };
    };
    if (kind === 'path' && f.length >= 2) out.path = f[1];
    else if (kind === 'mod' || kind === 'dep') {
      const m = mod();
      if (!m) {
        out.warnings.push(`modinfo line ${lineNo}: malformed ${kind} line`);
        last = undefined;
        continue;
      }
      if (kind === 'mod') out.main = m;
      else out.deps.push(m);
      last = m;
    } else if (kind === '=>') {
      const m = mod();
      if (!m || !last || last.replace) {
        out.warnings.push(`modinfo line ${lineNo}: unexpected replacement line`);
        continue;
      }
      last.replace = { path: m.path, version: m.version, ...(m.sum ? { sum: m.sum } : {}) };
    } else if (kind === 'build' && f.length >= 2) {
      const setting = parseSetting(f.slice(1).join('\t'));
      if (setting) out.settings.push(setting);
      else out.warnings.push(`modinfo line ${lineNo}: malformed build setting`);
    } else if (kind !== 'go') {
      // "go" lines appear when the text is `go version -m` output rather than the embedded form; anything else is unknown.
      out.warnings.push(`modinfo line ${lineNo}: unknown record ${JSON.stringify(kind?.slice(0, 20))}`);
    }
  }
  return out;
}

function parseSetting(s: string): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (s.startsWith('"')) {
    const q = readQuoted(s, 0);
    if (!q || s[q.end] !== '=') return undefined;
    key = q.value;
    rest = s.slice(q.end + 1);
  } else {
    const eq = s.indexOf('=');
    if (eq <= 0) return undefined;
    key = s.slice(0, eq);
    rest = s.slice(eq + 1);
  }
  if (rest.startsWith('"')) {
    const q = readQuoted(rest, 0);
    if (!q || q.end !== rest.length) return undefined;
    return [key, q.value];
  }
  return [key, rest];
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** A Go double-quoted string literal (strconv.Quote output) starting at `start`. */
function readQuoted(s: string, start: number): { value: string; end: number } | undefined {
  let out = '';
  let i = start + 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) return undefined;
      out += e === 'x' ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const oct = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 4;
    } else return undefined;
  }
  return undefined;
}

/**
 * Splits a command line as a POSIX shell would for quoting (single quotes literal, double quotes with backslash
 * escapes, backslash outside quotes), which is how `go build -ldflags` values are split (cmd/internal/quoted) and what
 * Trivy applies to the recorded value. No expansion of any kind.
 */
export function splitShellWords(s: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) return undefined;
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && j + 1 < s.length && '"\\$`\n'.includes(s[j + 1]!)) j++;
        cur += s[j];
      }
      if (j >= s.length) return undefined;
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** golang.org/x/mod/semver.IsValid, accepting a missing leading "v" as Trivy does. */
export function isGoSemver(v: string): boolean {
  const m = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?)?)?$/.exec(v);
  if (!m) return false;
  const pre = m[4]?.split('.');
  const build = m[5]?.split('.');
  if (pre?.some((id) => id === '' || /^0\d+$/.test(id)) || build?.some((id) => id === '')) return false;
  return true;
}

const DEFAULT_PREFIXES = new Set(['main', 'common', 'version', 'cmd']);

/**
 * The main module's version stamped with `-ldflags "-X <pkg>.version=<v>"` (Trivy's heuristic, issue
 * aquasecurity/trivy#1837): keys ending in ".version" or ".ver" whose value is a semantic version, preferring
 * `<module>/cmd/...` keys, then packages named main/common/version/cmd, then any; two candidates in the winning
 * group make the result ambiguous (undefined).
 */
export function ldflagsVersion(mainPath: string, ldflags: string): string | undefined {
  const words = splitShellWords(ldflags);
  if (!words) return undefined;
  const x = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let assignment: string | undefined;
    if (w === '-X' || w === '--X') assignment = words[++i];
    else if (w.startsWith('-X=')) assignment = w.slice(3);
    else if (w.startsWith('-X') && !w.startsWith('-X-')) assignment = w.slice(2);
    if (assignment === undefined) continue;
    const eq = assignment.indexOf('=');
    if (eq <= 0) continue;
    x.set(assignment.slice(0, eq), assignment.slice(eq + 1));
  }
  const groups: string[][] = [[], [], []];
  for (let [key, val] of x) {
    key = key.replace(/^'+/, '');
    val = val.replace(/'+$/, '');
    const lower = key.toLowerCase();
    if (!(lower.endsWith('.version') || lower.endsWith('.ver')) || !isGoSemver(val)) continue;
    const last = key.slice(key.lastIndexOf('/') + 1);
    const prefix = last.slice(0, last.indexOf('.') === -1 ? undefined : last.indexOf('.')).toLowerCase();
    if (key.startsWith(`${mainPath}/cmd/`)) groups[0]!.push(val);
    else if (DEFAULT_PREFIXES.has(prefix)) groups[1]!.push(val);
    else groups[2]!.push(val);
  }
  for (const g of groups) {
    if (g.length === 0) continue;
    return g.length === 1 ? g[0] : undefined;
  }
  return undefined;
}
