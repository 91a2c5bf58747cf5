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

/** npm: an installed package.json under node_modules, or an entry of package-lock.json / yarn.lock / pnpm-lock.yaml. */
export interface NpmMetadata {
  kind: 'npm';
  /** `private: true` in package.json. */
  private?: boolean;
  /** A workspace member of a monorepo (lockfiles). */
  workspace?: boolean;
  /** Where the lockfile says it was fetched from. */
  resolved?: string;
  integrity?: string;
}

/** Python: a dist-info METADATA or egg-info PKG-INFO file, or an entry of a requirements/poetry/Pipfile/uv lock. */
export interface PythonMetadata {
  kind: 'python';
  /** The name exactly as the metadata writes it (the package name is PEP 503-normalised). */
  declaredName?: string;
  summary?: string;
  author?: string;
  requiresPython?: string;
}

/** Java archives (jar, war, ear, par), possibly nested: one package per artifact. */
export interface JavaMetadata {
  kind: 'java';
  groupId: string;
  artifactId: string;
  /** Path of the archive; nested archives as "app.jar!/BOOT-INF/lib/dep.jar". */
  archive: string;
  /** SHA-1 of the archive bytes (hex), for a later GAV lookup. */
  sha1?: string;
  /** Where the coordinates came from. */
  source: 'pom.properties' | 'pom.xml' | 'manifest' | 'filename' | 'embedded-sbom' | 'lockfile';
}

/** Go modules from a binary's build info (or go.mod / go.sum). */
export interface GoMetadata {
  kind: 'go';
  /** Toolchain that built the binary, e.g. "go1.21.5". */
  goVersion?: string;
  /** The binary's main module path. */
  mainModule?: string;
  /** The module this one was replaced by (`=>` in build info / go.mod). */
  replacedBy?: { path: string; version?: string };
  /**
   * The module a `replace` directive / `=>` line swapped for this one: the package is reported under the
   * replacement's path and version (what is actually built in), the original is kept here.
   */
  replaces?: { path: string; version?: string };
  /** go.sum / build-info hash ("h1:…"). */
  sum?: string;
}

/** Rust crates from `cargo auditable` binaries or Cargo.lock. */
export interface CargoMetadata {
  kind: 'cargo';
  /** "registry+https://github.com/rust-lang/crates.io-index", "git+…", "path+…" or absent (local). */
  source?: string;
  checksum?: string;
}

/** Ruby gems (installed specifications or Gemfile.lock), PHP Composer packages and .NET NuGet packages. */
export interface GemMetadata {
  kind: 'gem';
  platform?: string;
}
export interface ComposerMetadata {
  kind: 'composer';
  /** Package type from composer metadata, e.g. "library". */
  packageType?: string;
}
export interface NugetMetadata {
  kind: 'nuget';
  /** SHA-512 from deps.json / packages.lock.json. */
  sha512?: string;
}

/** Per-ecosystem metadata: a discriminated union (never `any`, DESIGN.md §3.5). */
export type PackageMetadata =
  | DpkgMetadata
  | ApkMetadata
  | RpmMetadata
  | NpmMetadata
  | PythonMetadata
  | JavaMetadata
  | GoMetadata
  | CargoMetadata
  | GemMetadata
  | ComposerMetadata
  | NugetMetadata;

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
  /**
   * 'installed' (software present in the image: package databases, installed metadata, binaries, archives) or
   * 'declared' (only named by a project's lockfile or manifest). Absent means installed.
   */
  evidence?: 'installed' | 'declared';
  /** Development-only dependency, where the lockfile says so. */
  dev?: boolean;
  /** Direct dependencies, as purls of packages in the same result, where the format records them. */
  dependsOn?: string[];
  /**
   * purl of the OS package whose file list contains this package's evidence (Debian's python3-*, lib*-java…):
   * the distribution's advisories then apply rather than the language ecosystem's.
   */
  ownedBy?: string;
}
