/** Reading the ../shared/data/pkgdb acceptance corpus (see its README.md). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Package } from '../../src/core/index.js';
import { shared } from './paths.js';

export interface ExpectedPackage {
  name: string;
  version: string;
  arch?: string;
  epoch?: number;
  release?: string;
  srcName?: string;
  srcVersion?: string;
  srcRelease?: string;
  sourceRpm?: string;
  licenses?: string[];
  purl?: string;
}

export interface ExpectedCase {
  source: string;
  complete: boolean;
  notes?: string;
  packages: ExpectedPackage[];
  os?: { family: string; version: string } | null;
  familyConvention?: string;
  backend?: string;
}

export interface PkgdbCase {
  kind: string;
  name: string;
  dir: string;
  expected: ExpectedCase;
}

export function pkgdbCases(kind: string): PkgdbCase[] {
  const root = shared('pkgdb', kind);
  return readdirSync(root)
    .sort()
    .map((name) => ({
      kind,
      name,
      dir: path.join(root, name),
      expected: JSON.parse(readFileSync(path.join(root, name, 'expected.json'), 'utf8')) as ExpectedCase,
    }));
}

/** The corpus key of a package: name + version (+ arch for OS packages, + epoch/release for rpm). */
export function expectedKey(kind: string, p: ExpectedPackage): string {
  if (kind === 'rpm') return [p.name, p.epoch ?? '', p.version, p.release ?? '', p.arch ?? ''].join('|');
  return [p.name, p.version, p.arch ?? ''].join('|');
}

/** The same key computed from a Tollgate package. */
export function packageKey(kind: string, p: Package): string {
  const m = p.metadata;
  if (kind === 'rpm' && m?.kind === 'rpm') return [p.name, m.epoch ?? '', m.version, m.release, m.arch].join('|');
  const arch = m && 'arch' in m ? m.arch : '';
  return [p.name, p.version, arch].join('|');
}

/** Source package facts of a Tollgate package in the corpus' terms. */
export function sourceOf(p: Package): { srcName?: string; srcVersion?: string; srcRelease?: string; sourceRpm?: string } {
  const m = p.metadata;
  if (m?.kind === 'dpkg') return { srcName: m.sourceName, srcVersion: m.sourceVersion };
  if (m?.kind === 'apk') return { srcName: m.origin, srcVersion: p.version };
  if (m?.kind === 'rpm') {
    return {
      ...(m.sourceName ? { srcName: m.sourceName } : {}),
      ...(m.sourceVersion ? { srcVersion: m.sourceVersion } : {}),
      ...(m.sourceRelease ? { srcRelease: m.sourceRelease } : {}),
      ...(m.sourceRpm ? { sourceRpm: m.sourceRpm } : {}),
    };
  }
  return {};
}
