import type { LayerRef } from './layer.js';

/** purl types Tollgate produces (https://github.com/package-url/purl-spec, PURL-TYPES). */
export type PurlType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'maven'
  | 'golang'
  | 'cargo'
  | 'gem'
  | 'composer'
  | 'nuget'
  | 'generic';

/** dpkg: one stanza of var/lib/dpkg/status (or status.d/*). */
export interface DpkgMetadata {
  kind: 'dpkg';
  arch: string;
  /** Source package name (the `Source:` field, or the binary name when absent). */
  sourceName: string;
  /** Source version (the version in `Source: name (version)`, else the binary version). */
  sourceVersion: string;
  maintainer?: string;
  installedSize?: number;
  /** Whether the stanza came from a distroless status.d file. */
  statusD?: boolean;
}

/** apk: one record of lib/apk/db/installed. */
export interface ApkMetadata {
  kind: 'apk';
  arch: string;
  /** `o:` origin (the aport / source package). */
  origin: string;
  /** `c:` aports commit. */
  commit?: string;
  maintainer?: string;
  installedSize?: number;
}

/** rpm: one header from the rpm database (any backend). */
export interface RpmMetadata {
  kind: 'rpm';
  /** EPOCH tag; undefined when the header has none. */
  epoch?: number;
  version: string;
  release: string;
  arch: string;
  /** SOURCERPM as written, e.g. "openssl-3.0.7-27.el9.src.rpm" (absent for gpg-pubkey). */
  sourceRpm?: string;
  sourceName?: string;
  sourceVersion?: string;
  sourceRelease?: string;
  vendor?: string;
  modularityLabel?: string;
  installedSize?: number;
}

/** Per-ecosystem metadata: a discriminated union (never `any`, DESIGN.md §3.5). */
export type PackageMetadata = DpkgMetadata | ApkMetadata | RpmMetadata;

/** One package found in an image, keyed by its purl. */
export interface Package {
  /** Canonical package URL; the identity of the package. */
  purl: string;
  type: PurlType;
  name: string;
  /**
   * The full version as the ecosystem compares it: dpkg `[epoch:]upstream[-revision]`,
   * apk `pkgver-rN`, rpm `[epoch:]version-release`.
   */
  version: string;
  /** License expressions / ids as declared (SPDX ids where the text maps to one). */
  licenses: string[];
  /** Files that are evidence of this package (e.g. "var/lib/dpkg/status"), without a leading slash. */
  locations: string[];
  /** The layer that introduced the package (earliest layer in which the same name+version appears). */
  layer?: LayerRef;
  /** The analyzer that found it (its id). */
  foundBy: string;
  metadata?: PackageMetadata;
}
