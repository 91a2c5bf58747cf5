import { createRequire } from 'node:module';

/**
 * Classification of declared license strings against the SPDX License List, shared by the CycloneDX and SPDX
 * encoders. The grammar is SPDX 2.3 Annex D (https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/):
 *
 *   compound   = simple [ "WITH" exception-id ] / compound "AND" compound / compound "OR" compound / "(" compound ")"
 *   simple     = license-id / license-id "+" / "LicenseRef-" idstring
 *
 * Annex D says license ids are matched case-insensitively, so ids are rewritten in the list's spelling. Operators
 * "should" be upper case; lower-case `or`/`and`/`with` (common in Debian and npm metadata, e.g. "MIT or Apache-2.0")
 * are accepted and written upper case, because the meaning is unambiguous. Anything that does not parse exactly
 * (Debian short names such as "GPL-2+", free text, unknown ids) is kept as text: mapping such names onto SPDX ids is
 * the analyzers' job, an encoder must not guess.
 */
export type LicenseClass =
  /** One id from the SPDX License List (possibly a deprecated one such as "GPL-2.0"), in the list's spelling. */
  | { kind: 'id'; id: string }
  /** A valid SPDX expression that is not a single list id, canonically spelled. */
  | {
      kind: 'expression';
      expression: string;
      /** The top-level operator, if any: an OR expression needs parentheses as an operand of AND. */
      operator?: 'and' | 'or';
      /** LicenseRef-… ids it uses. */
      licenseRefs: string[];
    }
  /** Anything else, as declared (trimmed). */
  | { kind: 'text'; text: string };

// The lists are CommonJS JSON packages; createRequire avoids Node 20's experimental JSON-module warning.
const require = createRequire(import.meta.url);
const licenseIds = require('spdx-license-ids') as string[];
const deprecatedLicenseIds = require('spdx-license-ids/deprecated.json') as string[];
const exceptionIds = require('spdx-exceptions') as string[];
const deprecatedExceptionIds = require('spdx-exceptions/deprecated.json') as string[];

const licenseById = new Map<string, string>([...licenseIds, ...deprecatedLicenseIds].map((id) => [id.toLowerCase(), id]));
const exceptionById = new Map<string, string>(
  [...exceptionIds, ...deprecatedExceptionIds].map((id) => [id.toLowerCase(), id]),
);

/** A license id from the SPDX License List, in its canonical spelling, or undefined. */
export function spdxLicenseId(s: string): string | undefined {
  return licenseById.get(s.toLowerCase());
}

type Node =
  | { op: 'license'; id: string; plus: boolean; exception?: string }
  | { op: 'ref'; ref: string }
  | { op: 'and' | 'or'; left: Node; right: Node };

/** SPDX idstring: letters, digits, "." and "-" (SPDX 2.3 §10.1). */
const IDSTRING = /^[A-Za-z0-9.-]+$/;
const LICENSE_REF = /^LicenseRef-[A-Za-z0-9.-]+$/;
/** Bounds the work spent on a hostile or absurd license field. */
const MAX_EXPRESSION_LENGTH = 4096;

function tokenize(s: string): string[] {
  return s
    .replace(/[()]/g, ' $& ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): Node | undefined {
    const node = this.orExpr();
    return node !== undefined && this.pos === this.tokens.length ? node : undefined;
  }

  private peekOperator(op: string): boolean {
    return this.tokens[this.pos]?.toUpperCase() === op;
  }

  private orExpr(): Node | undefined {
    let left = this.andExpr();
    while (left !== undefined && this.peekOperator('OR')) {
      this.pos++;
      const right = this.andExpr();
      if (right === undefined) return undefined;
      left = { op: 'or', left, right };
    }
    return left;
  }

  // AND binds tighter than OR (Annex D.4).
  private andExpr(): Node | undefined {
    let left = this.primary();
    while (left !== undefined && this.peekOperator('AND')) {
      this.pos++;
      const right = this.primary();
      if (right === undefined) return undefined;
      left = { op: 'and', left, right };
    }
    return left;
  }

  private primary(): Node | undefined {
    const token = this.tokens[this.pos];
    if (token === undefined) return undefined;
    if (token === '(') {
      this.pos++;
      const inner = this.orExpr();
      if (inner === undefined || this.tokens[this.pos] !== ')') return undefined;
      this.pos++;
      return inner;
    }
    if (token === ')' || ['AND', 'OR', 'WITH'].includes(token.toUpperCase())) return undefined;
    this.pos++;
    if (LICENSE_REF.test(token)) return { op: 'ref', ref: token };
    const simple = simpleLicense(token);
    if (simple === undefined) return undefined;
    if (this.peekOperator('WITH')) {
      this.pos++;
      const exception = exceptionById.get((this.tokens[this.pos] ?? '').toLowerCase());
      if (exception === undefined) return undefined;
      this.pos++;
      return { ...simple, exception };
    }
    return simple;
  }
}

function simpleLicense(token: string): Extract<Node, { op: 'license' }> | undefined {
  if (!IDSTRING.test(token.replace(/\+$/, ''))) return undefined;
  // The whole token first: should a list id ever end in "+" (the SPDX list's deprecated "GPL-2.0+" family),
  // it is an id in its own right rather than an id with the "+" operator.
  const whole = licenseById.get(token.toLowerCase());
  if (whole !== undefined) return { op: 'license', id: whole, plus: false };
  if (token.endsWith('+')) {
    const base = licenseById.get(token.slice(0, -1).toLowerCase());
    if (base !== undefined) return { op: 'license', id: base, plus: true };
  }
  return undefined;
}

function render(node: Node, parent?: 'and' | 'or'): string {
  switch (node.op) {
    case 'ref':
      return node.ref;
    case 'license':
      return `${node.id}${node.plus ? '+' : ''}${node.exception !== undefined ? ` WITH ${node.exception}` : ''}`;
    case 'and':
    case 'or': {
      const text = `${render(node.left, node.op)} ${node.op.toUpperCase()} ${render(node.right, node.op)}`;
      // Only an OR inside an AND needs parentheses; AND binds tighter, and both operators are associative.
      return parent === 'and' && node.op === 'or' ? `(${text})` : text;
    }
  }
}

function collectRefs(node: Node, out: string[]): void {
  if (node.op === 'ref') {
    if (!out.includes(node.ref)) out.push(node.ref);
  } else if (node.op === 'and' || node.op === 'or') {
    collectRefs(node.left, out);
    collectRefs(node.right, out);
  }
}

/** Classify one declared license string (see {@link LicenseClass}). */
export function classifyLicense(declared: string): LicenseClass {
  const text = declared.trim();
  if (text === '' || text.length > MAX_EXPRESSION_LENGTH) return { kind: 'text', text };
  const node = new Parser(tokenize(text)).parse();
  if (node === undefined) return { kind: 'text', text };
  if (node.op === 'license' && !node.plus && node.exception === undefined) return { kind: 'id', id: node.id };
  const licenseRefs: string[] = [];
  collectRefs(node, licenseRefs);
  const operator = node.op === 'and' || node.op === 'or' ? node.op : undefined;
  return { kind: 'expression', expression: render(node), ...(operator ? { operator } : {}), licenseRefs };
}

/** An expression written as an operand of AND (SPDX Annex D.4: AND binds tighter than OR). */
export function andOperand(c: Extract<LicenseClass, { kind: 'expression' }>): string {
  return c.operator === 'or' ? `(${c.expression})` : c.expression;
}
