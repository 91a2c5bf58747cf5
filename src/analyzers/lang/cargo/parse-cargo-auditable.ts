/**
 * Dependency lists that `cargo auditable` (https://github.com/rust-secure-code/cargo-auditable) embeds in Rust
 * executables: a `.dep-v0` section (ELF, PE, Mach-O) holding zlib-compressed JSON
 *   {"packages": [{"name", "version", "source", "kind"?, "dependencies"?: [index…], "root"?: true}, …]}
 * (format: cargo-auditable's auditable-serde crate; `kind` is "runtime" when absent, or "build" for build
 * dependencies and proc-macros, which are not part of the program; `dependencies` index into `packages`).
 */
import { inflateSync } from 'node:zlib';
import { AnalysisError } from '../../../core/index.js';
import { executableFormat, findSection, parseExecutable, sectionBytes } from '../executable.js';

/** cargo-auditable limits its own reader to 8 MiB of decompressed JSON (rust-audit-info default). */
export const MAX_DEP_INFO = 8 * 1024 * 1024;
/** The compressed section is much smaller than that; more is hostile. */
const MAX_SECTION = 8 * 1024 * 1024;

export interface AuditablePackage {
  name: string;
  version: string;
  /** "crates.io", "git", "local", "registry" or another string cargo-auditable wrote. */
  source?: string;
  kind: 'runtime' | 'build';
  /** Indices into the package list (validated: in range). */
  dependencies: number[];
  root: boolean;
}

function malformed(message: string, cause?: unknown): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', `cargo auditable data: ${message}`, cause === undefined ? undefined : { cause });
}

/** The embedded dependency list, or undefined when the file is not an executable or has no `.dep-v0` section. */
export function readAuditableSection(buf: Buffer): Buffer | undefined {
  if (executableFormat(buf) === undefined) return undefined;
  const exe = parseExecutable(buf);
  const section = findSection(exe, '.dep-v0');
  if (!section) return undefined;
  return sectionBytes(buf, section, MAX_SECTION);
}

export function parseAuditableData(compressed: Buffer): { packages: AuditablePackage[]; warnings: string[] } {
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_DEP_INFO });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw malformed(`decompresses to more than ${MAX_DEP_INFO} bytes`, e);
    throw malformed(`not valid zlib data (${(e as Error).message})`, e);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString('utf8'));
  } catch (e) {
    throw malformed('not valid JSON', e);
  }
  const list = (doc as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(list)) throw malformed('no packages array');
  const warnings: string[] = [];
  const packages: AuditablePackage[] = [];
  const valid: boolean[] = [];
  for (const [i, raw] of list.entries()) {
    const p = raw as Record<string, unknown> | null;
    if (typeof p !== 'object' || p === null || typeof p.name !== 'string' || typeof p.version !== 'string' || p.name === '' || p.version === '') {
      warnings.push(`package ${i} has no name or version; skipped`);
      valid.push(false);
      continue;
    }
    valid.push(true);
    packages.push({
      name: p.name,
      version: p.version,
      ...(typeof p.source === 'string' ? { source: p.source } : {}),
      kind: p.kind === 'build' ? 'build' : 'runtime',
      dependencies: Array.isArray(p.dependencies) ? (p.dependencies as unknown[]).filter((d): d is number => Number.isInteger(d)) : [],
      root: p.root === true,
    });
  }
  // Re-number indices over the kept entries; drop references to skipped or missing ones.
  const newIndex: number[] = [];
  let n = 0;
  for (const ok of valid) newIndex.push(ok ? n++ : -1);
  for (const [i, p] of packages.entries()) {
    const deps = new Set<number>();
    let bad = 0;
    for (const d of p.dependencies) {
      const j = d >= 0 && d < newIndex.length ? newIndex[d]! : -1;
      if (j === -1) bad++;
      // A crate cannot depend on itself; a self-reference would only make dependency graphs cyclic.
      else if (j !== i) deps.add(j);
    }
    if (bad) warnings.push(`${p.name} ${p.version}: ${bad} dependency indices do not name a package`);
    p.dependencies = [...deps];
  }
  return { packages, warnings };
}
