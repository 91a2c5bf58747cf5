import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { PolicyIssue } from '../core/index.js';

/**
 * Reads YAML with positions: every value handed out keeps its node, so that a problem found while validating can be
 * reported at the file, line and column it comes from, with the field path that leads to it.
 */
export interface YamlDocument {
  file: string;
  /** 0-based index of the document in the file. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export interface YamlFileResult {
  documents: YamlDocument[];
  issues: PolicyIssue[];
}

/** Splits a multi-document YAML text; syntax errors (and duplicate keys) become issues with their position. */
export function readYamlDocuments(file: string, text: string): YamlFileResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: PolicyIssue[] = [];
  const documents: YamlDocument[] = [];
  const list = Array.isArray(docs) ? docs : [];
  for (const [index, doc] of list.entries()) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      issues.push({ file, line: pos.line, column: pos.col, path: '', message: `YAML: ${e.message.split('\n')[0]}` });
    }
    const c = doc.contents;
    if (c === null || (isScalar(c) && (c.value === null || c.value === undefined))) continue;
    const start = c.range?.[0] ?? doc.range[0];
    documents.push({ file, index, line: lineCounter.linePos(start).line, doc, lineCounter });
  }
  return { documents, issues };
}

export interface Entry {
  key: Scalar;
  value: Node | null;
}

/** Collects issues for one document and turns nodes into positions. */
export class YamlContext {
  constructor(
    readonly file: string,
    readonly lineCounter: LineCounter,
    readonly issues: PolicyIssue[],
    readonly warnings: PolicyIssue[] = [],
  ) {}

  position(node: Node | null | undefined, fallback?: Node | null): { line: number; column: number } {
    const n = node?.range ? node : fallback;
    if (!n?.range) return { line: 1, column: 1 };
    const p = this.lineCounter.linePos(n.range[0]);
    return { line: p.line, column: p.col };
  }

  issue(node: Node | null | undefined, path: string, message: string, fallback?: Node | null): void {
    this.issues.push({ file: this.file, ...this.position(node, fallback), path, message });
  }

  warn(node: Node | null | undefined, path: string, message: string, fallback?: Node | null): void {
    this.warnings.push({ file: this.file, ...this.position(node, fallback), path, message });
  }
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    return `${typeof v} ${String(v)}`;
  }
  return 'an alias or tag';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest allowed name, when it is close enough to be a likely typo. */
export function suggest(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    const dd = distance(name, a);
    if (dd < bestD) {
      bestD = dd;
      best = a;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export function isMissing(node: Node | null | undefined): boolean {
  return node === null || node === undefined || (isScalar(node) && (node.value === null || node.value === undefined));
}

export const join = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/**
 * The entries of a mapping. `allowed` lists the known keys (an unknown key is an issue, with a suggestion when it
 * looks like a typo); `null` accepts any key.
 */
export function mapEntries(ctx: YamlContext, node: Node | null, path: string, allowed: readonly string[] | null): Map<string, Entry> | undefined {
  if (!isMap(node)) {
    ctx.issue(node, path, `expected a mapping, got ${describe(node)}`);
    return undefined;
  }
  const out = new Map<string, Entry>();
  for (const pair of (node as YAMLMap<unknown, unknown>).items) {
    const key = pair.key as Node | null;
    if (!isScalar(key) || typeof key.value !== 'string') {
      ctx.issue(key, path, `keys must be strings, got ${describe(key)}`, node);
      continue;
    }
    const name = key.value;
    if (allowed && !allowed.includes(name)) {
      const s = suggest(name, allowed);
      ctx.issue(key, join(path, name), `unknown field ${JSON.stringify(name)}${s ? ` (did you mean ${JSON.stringify(s)}?)` : ''}; expected one of: ${allowed.join(', ')}`);
      continue;
    }
    out.set(name, { key, value: (pair.value as Node | null) ?? null });
  }
  return out;
}

export function seqItems(ctx: YamlContext, node: Node | null, path: string): Node[] | undefined {
  if (!isSeq(node)) {
    ctx.issue(node, path, `expected a list, got ${describe(node)}`);
    return undefined;
  }
  return node.items.map((i) => (i as Node | null) ?? null) as Node[];
}

export function readString(ctx: YamlContext, node: Node | null, path: string, fallback?: Node | null): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') {
    if (node.value.trim() === '') {
      ctx.issue(node, path, 'must not be empty');
      return undefined;
    }
    return node.value;
  }
  ctx.issue(node, path, `expected a string, got ${describe(node)}`, fallback);
  return undefined;
}

export function readBool(ctx: YamlContext, node: Node | null, path: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  ctx.issue(node, path, `expected true or false, got ${describe(node)}`);
  return undefined;
}

export function readNumber(ctx: YamlContext, node: Node | null, path: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
    ctx.issue(node, path, `expected ${opts.integer ? 'an integer' : 'a number'}, got ${describe(node)}`);
    return undefined;
  }
  const v = node.value;
  if (opts.integer && !Number.isInteger(v)) {
    ctx.issue(node, path, `expected an integer, got ${v}`);
    return undefined;
  }
  if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    ctx.issue(node, path, `must be ${opts.min !== undefined && opts.max !== undefined ? `from ${opts.min} to ${opts.max}` : opts.min !== undefined ? `at least ${opts.min}` : `at most ${opts.max}`}, got ${v}`);
    return undefined;
  }
  return v;
}

export function readEnum<T extends string>(ctx: YamlContext, node: Node | null, path: string, values: readonly T[]): T | undefined {
  if (isScalar(node) && typeof node.value === 'string' && (values as readonly string[]).includes(node.value)) return node.value as T;
  const got = isScalar(node) && typeof node.value === 'string' ? JSON.stringify(node.value) : describe(node);
  const s = isScalar(node) && typeof node.value === 'string' ? suggest(node.value, values) : undefined;
  ctx.issue(node, path, `must be one of ${values.join(', ')}, got ${got}${s ? ` (did you mean ${JSON.stringify(s)}?)` : ''}`);
  return undefined;
}

export function readStringList(ctx: YamlContext, node: Node | null, path: string, opts: { nonEmpty?: boolean } = {}): string[] | undefined {
  const items = seqItems(ctx, node, path);
  if (!items) return undefined;
  if (opts.nonEmpty && items.length === 0) {
    ctx.issue(node, path, 'must list at least one entry');
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const s = readString(ctx, item, join(path, i), node);
    if (s === undefined) ok = false;
    else out.push(s);
  });
  return ok ? out : undefined;
}

export function readStringMap(ctx: YamlContext, node: Node | null, path: string): Record<string, string> | undefined {
  const entries = mapEntries(ctx, node, path, null);
  if (!entries) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const [k, e] of entries) {
    if (isScalar(e.value) && (typeof e.value.value === 'string' || typeof e.value.value === 'number' || typeof e.value.value === 'boolean')) {
      out[k] = String(e.value.value);
    } else {
      ctx.issue(e.value, join(path, k), `expected a string, got ${describe(e.value)}`, e.key);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** A plain JSON value of a node (for `equals`, `in`). */
export function toPlain(node: Node | null): unknown {
  if (node === null) return null;
  return (node as { toJSON(): unknown }).toJSON();
}

/** Position of the node at a key path in a document (for messages about foreign documents), or of the document. */
export function positionAt(d: YamlDocument, path: readonly (string | number)[]): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = d.doc.getIn(path.slice(0, n), true) as Node | undefined;
    if (node && (node as Node).range) {
      const p = d.lineCounter.linePos((node as Node).range![0]);
      return { line: p.line, column: p.col };
    }
  }
  return { line: d.line, column: 1 };
}
