import { X509Certificate } from 'node:crypto';
import { positionAt, type YamlDocument } from '../yaml-reader.js';

/**
 * What `policy convert` says about the parts of a foreign policy: `untranslated` parts change what is enforced (the
 * user must act), `info` parts need nothing in Tollgate (webhook settings, equivalent defaults), `invalid` documents
 * are rejected as their own controller would reject them, `skipped` documents are not policies.
 */
export type NoteKind = 'untranslated' | 'info' | 'invalid' | 'skipped';

export interface ConversionNote {
  file: string;
  line: number;
  /** Field path in the source document, e.g. `spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.roots`. */
  path: string;
  kind: NoteKind;
  message: string;
}

export type PathKey = string | number;

export function formatPath(path: readonly PathKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${k}` : k;
  return s;
}

/** Collects notes about one source document, positioned at the field they concern. */
export class NoteSink {
  constructor(
    readonly doc: YamlDocument,
    readonly notes: ConversionNote[],
  ) {}

  add(kind: NoteKind, path: readonly PathKey[], message: string): void {
    const pos = positionAt(this.doc, path);
    this.notes.push({ file: this.doc.file, line: pos.line, path: formatPath(path), kind, message });
  }
}

/** A Tollgate ClusterImagePolicy in its YAML form, as `policy convert` writes it. */
export interface ConvertedPolicy {
  name: string;
  /** Where it came from, for the comment above it. */
  origin: string;
  /** What of its source was not translated (repeated as comments above it). */
  untranslated?: string[];
  spec: Record<string, unknown>;
}

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A Kubernetes name from parts (lowercase alphanumerics and "-", at most 253 characters). */
export function policyName(...parts: (string | number | undefined)[]): string {
  const s = parts
    .filter((p) => p !== undefined && p !== '')
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return (s || 'policy').slice(0, 253).replace(/[-.]+$/, '');
}

/** Kyverno and go-wildcard patterns: `*` any run (slashes included), `?` one character; to an RE2 anchored regexp. */
export function wildcardToRegExp(pattern: string): string {
  let out = '^';
  for (const c of pattern) {
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += c.replace(/[.\\^$+()[\]{}|]/g, (x) => `\\${x}`);
  }
  return `${out}$`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

export function pemBlocks(pem: string): { label: string; text: string }[] {
  return [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, text: `${m[0]}\n` }));
}

/** The public key of a PEM certificate, as a PEM SPKI block; undefined when it cannot be read. */
export function certificatePublicKey(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return undefined;
  }
}

export const KMS_PREFIX = /^(awskms|gcpkms|azurekms|hashivault|pkcs11):\/\//;
