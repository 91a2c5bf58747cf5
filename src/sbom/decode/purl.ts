import { PackageURL } from 'packageurl-js';
import type { PurlType } from '../../core/index.js';

/** A package URL split into its parts (purl-spec: scheme:type/namespace/name@version?qualifiers#subpath). */
export interface ParsedPurl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
  subpath?: string;
}

/**
 * Parses with packageurl-js, the purl reference implementation for JavaScript (it also applies the per-type
 * normalisations of PURL-TYPES, e.g. PEP 503 names for pypi). Undefined when the text is not a purl.
 */
export function parsePurl(text: string): ParsedPurl | undefined {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(text.trim());
  } catch {
    return undefined;
  }
  if (!p.type || !p.name) return undefined;
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.qualifiers ?? {})) if (typeof v === 'string') qualifiers[k] = v;
  return {
    type: p.type,
    ...(p.namespace ? { namespace: p.namespace } : {}),
    name: p.name,
    ...(p.version ? { version: p.version } : {}),
    qualifiers,
    ...(p.subpath ? { subpath: p.subpath } : {}),
  };
}

export function formatPurl(p: ParsedPurl): string {
  const q = Object.keys(p.qualifiers).length ? p.qualifiers : undefined;
  return new PackageURL(p.type, p.namespace, p.name, p.version, q, p.subpath).toString();
}

const SUPPORTED: ReadonlySet<string> = new Set<PurlType>([
  'deb',
  'apk',
  'rpm',
  'npm',
  'pypi',
  'maven',
  'golang',
  'cargo',
  'gem',
  'composer',
  'nuget',
  'generic',
]);

export function isSupportedType(t: string): t is PurlType {
  return SUPPORTED.has(t);
}

/**
 * purl types written under another name by real tools: Syft before v0.62 wrote Alpine packages as
 * `pkg:alpine/…` (grype/pkg/testdata/alpine.cdx.att.json); the purl-spec type is `apk` with namespace `alpine`.
 */
export function normalizeLegacyPurl(p: ParsedPurl): ParsedPurl {
  if (p.type === 'alpine') return { ...p, type: 'apk', namespace: p.namespace ?? 'alpine' };
  return p;
}

/** Ecosystem names tools write beside (or instead of) a purl, mapped to the purl type. */
const TRIVY_PKG_TYPE: Readonly<Record<string, PurlType>> = {
  // aquasecurity/trivy: pkg/fanal/types/const.go (LangType and OSType values, written as aquasecurity:trivy:PkgType)
  debian: 'deb',
  ubuntu: 'deb',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  redhat: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  amazon: 'rpm',
  fedora: 'rpm',
  oracle: 'rpm',
  opensuse: 'rpm',
  'opensuse-leap': 'rpm',
  'opensuse-tumbleweed': 'rpm',
  sles: 'rpm',
  // Older Trivy releases spell some OS types differently (see os.ts).
  'suse linux enterprise server': 'rpm',
  'suse linux enterprise micro': 'rpm',
  'opensuse.leap': 'rpm',
  'opensuse.tumbleweed': 'rpm',
  slem: 'rpm',
  photon: 'rpm',
  'cbl-mariner': 'rpm',
  azurelinux: 'rpm',
  npm: 'npm',
  yarn: 'npm',
  pnpm: 'npm',
  bun: 'npm',
  'node-pkg': 'npm',
  pip: 'pypi',
  pipenv: 'pypi',
  poetry: 'pypi',
  uv: 'pypi',
  'python-pkg': 'pypi',
  jar: 'maven',
  pom: 'maven',
  gradle: 'maven',
  sbt: 'maven',
  gobinary: 'golang',
  gomod: 'golang',
  cargo: 'cargo',
  rustbinary: 'cargo',
  bundler: 'gem',
  gemspec: 'gem',
  composer: 'composer',
  'composer-vendor': 'composer',
  nuget: 'nuget',
  'dotnet-core': 'nuget',
  'packages-props': 'nuget',
};

/** anchore/syft: syft/pkg/type.go (written as syft:package:type). */
const SYFT_PKG_TYPE: Readonly<Record<string, PurlType>> = {
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  npm: 'npm',
  python: 'pypi',
  'java-archive': 'maven',
  'jenkins-plugin': 'maven',
  'go-module': 'golang',
  'rust-crate': 'cargo',
  gem: 'gem',
  'php-composer': 'composer',
  dotnet: 'nuget',
};

/** Syft's SPDX sourceInfo descriptions (anchore/syft: syft/format/common/spdxhelpers/source_info.go). */
const SYFT_SOURCE_INFO: readonly [RegExp, PurlType][] = [
  [/^DPKG DB$/, 'deb'],
  [/^APK DB$/, 'apk'],
  [/^RPM DB$/, 'rpm'],
  [/node module manifest|javascript lock file/, 'npm'],
  [/python package/, 'pypi'],
  [/java archive|java pom/, 'maven'],
  [/^go module/, 'golang'],
  [/rust cargo|cargo/, 'cargo'],
  [/gem/, 'gem'],
  [/composer|php/, 'composer'],
  [/dotnet/, 'nuget'],
];

/** The ecosystem of a package that has no (usable) purl, from what the producing tool wrote beside it. */
export function ecosystemHint(hints: { trivyPkgType?: string; syftPkgType?: string; acquiredFrom?: string }): PurlType | undefined {
  if (hints.trivyPkgType !== undefined) {
    const t = TRIVY_PKG_TYPE[hints.trivyPkgType.toLowerCase()];
    if (t) return t;
  }
  if (hints.syftPkgType !== undefined) {
    const t = SYFT_PKG_TYPE[hints.syftPkgType.toLowerCase()];
    if (t) return t;
  }
  if (hints.acquiredFrom !== undefined) {
    for (const [re, t] of SYFT_SOURCE_INFO) if (re.test(hints.acquiredFrom)) return t;
  }
  return undefined;
}
