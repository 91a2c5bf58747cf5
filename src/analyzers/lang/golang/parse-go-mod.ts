/**
 * go.mod and go.sum, the files a Go module declares its dependencies in.
 *
 * go.mod syntax (https://go.dev/ref/mod#go-mod-file): line-oriented directives, each either on one line
 * (`require path version`) or as a parenthesised block (`require (` … `)`); `//` starts a comment, and a
 * `// indirect` comment marks a requirement not imported by the main module; identifiers may be quoted with "…" or
 * `…`. Directives read here: module, go, toolchain, require, replace; the others (retract, godebug, tool, ignore) do not change what is built.
 *
 * go.sum (https://go.dev/ref/mod#go-sum-files): `path version[/go.mod] hash` per line.
 */

export interface GoRequire {
  path: string;
  version: string;
  indirect: boolean;
}

export interface GoReplace {
  oldPath: string;
  oldVersion?: string;
  newPath: string;
  /** Absent when the replacement is a directory (`=> ../fork`). */
  newVersion?: string;
}

export interface GoModFile {
  module?: string;
  /** The `go` directive, e.g. "1.21" or "1.22.0". */
  go?: string;
  toolchain?: string;
  requires: GoRequire[];
  replaces: GoReplace[];
  /** `exclude path version`: versions the go command refuses to use. */
  excludes: { path: string; version: string }[];
  warnings: string[];
}

/** Splits a go.mod line into tokens, honouring "…" and `…` quoting; returns the tokens and the comment text. */
function tokenize(line: string): { tokens: string[]; comment: string } | undefined {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '/' && line[i + 1] === '/') {
      return { tokens, comment: line.slice(i + 2).trim() };
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      let tok = '';
      for (; j < line.length && line[j] !== c; j++) {
        if (c === '"' && line[j] === '\\' && j + 1 < line.length) j++;
        tok += line[j];
      }
      if (j >= line.length) return undefined;
      tokens.push(tok);
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t' && line[j] !== '\r' && !(line[j] === '/' && line[j + 1] === '/')) j++;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return { tokens, comment: '' };
}

/** `// indirect` or `// indirect; other notes` (golang.org/x/mod/modfile isIndirect). */
function isIndirect(comment: string): boolean {
  return comment === 'indirect' || comment.startsWith('indirect;');
}

export function parseGoMod(content: Buffer | string): GoModFile {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  const out: GoModFile = { requires: [], replaces: [], excludes: [], warnings: [] };
  let block: string | undefined;
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const t = tokenize(raw);
    if (!t) {
      out.warnings.push(`line ${lineNo}: unterminated quoted string`);
      continue;
    }
    let { tokens } = t;
    if (tokens.length === 0) continue;
    if (block !== undefined) {
      if (tokens.length === 1 && tokens[0] === ')') {
        block = undefined;
        continue;
      }
    } else {
      const verb = tokens[0]!;
      if (tokens.length === 2 && tokens[1] === '(') {
        block = verb;
        continue;
      }
      // `require (x v)` on one line is not valid go.mod; a lone "(" opens a block, handled above.
      tokens = tokens.slice(1);
      if (!directive(out, verb, tokens, t.comment, lineNo)) out.warnings.push(`line ${lineNo}: malformed ${verb} directive`);
      continue;
    }
    if (!directive(out, block, tokens, t.comment, lineNo)) out.warnings.push(`line ${lineNo}: malformed ${block} entry`);
  }
  if (block !== undefined) out.warnings.push(`unterminated ${block} block`);
  return out;
}

function directive(out: GoModFile, verb: string, args: string[], comment: string, _line: number): boolean {
  switch (verb) {
    case 'module':
      if (args.length < 1) return false;
      out.module = args[0];
      return true;
    case 'go':
      if (args.length !== 1) return false;
      out.go = args[0];
      return true;
    case 'toolchain':
      if (args.length !== 1) return false;
      out.toolchain = args[0];
      return true;
    case 'require':
      if (args.length !== 2) return false;
      out.requires.push({ path: args[0]!, version: args[1]!, indirect: isIndirect(comment) });
      return true;
    case 'replace': {
      const arrow = args.indexOf('=>');
      if (arrow !== 1 && arrow !== 2) return false;
      const rhs = args.slice(arrow + 1);
      if (rhs.length !== 1 && rhs.length !== 2) return false;
      out.replaces.push({
        oldPath: args[0]!,
        ...(arrow === 2 ? { oldVersion: args[1]! } : {}),
        newPath: rhs[0]!,
        ...(rhs.length === 2 ? { newVersion: rhs[1]! } : {}),
      });
      return true;
    }
    case 'exclude':
      if (args.length !== 2) return false;
      out.excludes.push({ path: args[0]!, version: args[1]! });
      return true;
    default:
      // retract, godebug, tool, ignore and future directives do not change the build list read here.
      return true;
  }
}

/** Whether a `go` directive names a version before 1.17 (when go.mod stopped listing every indirect dependency). */
export function goBefore117(go: string | undefined): boolean {
  if (go === undefined) return false;
  const m = /^(\d+)\.(\d+)/.exec(go);
  if (!m) return false;
  const major = Number(m[1]);
  return major < 1 || (major === 1 && Number(m[2]) < 17);
}

export interface GoSumModule {
  path: string;
  version: string;
  sum?: string;
}

/**
 * go.sum → one module per path at the highest version it lists (a go.sum keeps hashes of every version the module
 * graph ever considered; the highest is what minimal version selection would build). `/go.mod` lines count too: a
 * module whose code was never downloaded still appears with its go.mod hash only.
 */
export function parseGoSum(content: Buffer | string): { modules: GoSumModule[]; warnings: string[] } {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  const best = new Map<string, GoSumModule>();
  const warnings: string[] = [];
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const f = raw.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (f.length < 2) {
      warnings.push(`line ${lineNo}: malformed go.sum line`);
      continue;
    }
    const path = f[0]!;
    const goModOnly = f[1]!.endsWith('/go.mod');
    const version = goModOnly ? f[1]!.slice(0, -'/go.mod'.length) : f[1]!;
    const prior = best.get(path);
    if (prior === undefined || compareGoVersions(version, prior.version) > 0) {
      best.set(path, { path, version, ...(!goModOnly && f[2] ? { sum: f[2] } : {}) });
    } else if (prior.version === version && !goModOnly && f[2] && prior.sum === undefined) {
      prior.sum = f[2];
    }
  }
  return { modules: [...best.values()], warnings };
}

interface Semver {
  nums: [number, number, number];
  pre: string[];
}

function parseSemver(v: string): Semver | undefined {
  const m = /^v(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], pre: m[4] ? m[4].split('.') : [] };
}

/** Semantic-version order of Go module versions (golang.org/x/mod/semver.Compare): invalid versions sort first. */
export function compareGoVersions(a: string, b: string): number {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! < y.nums[i]! ? -1 : 1;
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return p.length !== q.length ? (p.length < q.length ? -1 : 1) : p < q ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
