import type { Ecosystem } from '../../../core/index.js';
import { packageKey } from '../../package-name.js';

/**
 * OSV ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field, the ecosystems list) → purl types
 * and, for distributions, the `distro` key "<family>:<release>" with the family as `OperatingSystem.family` writes
 * it (Trivy's OS type names: debian, ubuntu, alpine, redhat, rocky, alma, wolfi, chainguard).
 */
export interface EcosystemTarget {
  ecosystem: Ecosystem;
  distro?: string;
  /** Remark carried into AffectedPackage.note (e.g. fixes only shipped through Ubuntu Pro). */
  note?: string;
}

const LANGUAGE: Record<string, Ecosystem> = {
  npm: 'npm',
  PyPI: 'pypi',
  Go: 'golang',
  Maven: 'maven',
  RubyGems: 'gem',
  'crates.io': 'cargo',
  NuGet: 'nuget',
  Packagist: 'composer',
};

/** The OSV ecosystems `db update` downloads (`<name>/all.zip` in the OSV bucket). */
export const DOWNLOADED_ECOSYSTEMS: readonly string[] = [
  ...Object.keys(LANGUAGE),
  // Debian and Alpine come from their own trackers (feeds debian, alpine), in the vendors' formats.
  'Ubuntu',
  'Rocky Linux',
  'AlmaLinux',
  'Red Hat',
  'Wolfi',
  'Chainguard',
];

/** Maps an OSV ecosystem string; undefined for one Tollgate does not match (the caller warns and skips). */
export function mapEcosystem(osv: string): EcosystemTarget | undefined {
  const lang = LANGUAGE[osv];
  if (lang) return { ecosystem: lang };
  let m: RegExpExecArray | null;
  // "Debian:12" (DEBIAN-/DSA-/DLA- records); a bare "Debian" names no release and cannot be matched precisely.
  if ((m = /^Debian:(\d+)$/.exec(osv))) return { ecosystem: 'deb', distro: `debian:${m[1]}` };
  // "Ubuntu:22.04:LTS", "Ubuntu:24.10", "Ubuntu:Pro:16.04:LTS" (ESM: fixes need an Ubuntu Pro subscription).
  // FIPS and other variants ("Ubuntu:Pro:FIPS-updates:22.04:LTS") ship different builds and are not mapped.
  if ((m = /^Ubuntu:(Pro:)?(\d+\.\d+)(?::LTS)?$/.exec(osv))) {
    return { ecosystem: 'deb', distro: `ubuntu:${m[2]}`, ...(m[1] ? { note: 'fixed versions are published through Ubuntu Pro (ESM)' } : {}) };
  }
  if ((m = /^Alpine:v(\d+\.\d+)$/.exec(osv))) return { ecosystem: 'apk', distro: `alpine:${m[1]}` };
  if ((m = /^Rocky Linux:(\d+)$/.exec(osv))) return { ecosystem: 'rpm', distro: `rocky:${m[1]}` };
  if ((m = /^AlmaLinux:(\d+)$/.exec(osv))) return { ecosystem: 'rpm', distro: `alma:${m[1]}` };
  // "Red Hat:enterprise_linux:9::appstream" (CPE-like product:version::repository). EUS/AUS/E4S streams
  // ("Red Hat:rhel_eus:9.2::…") have their own fixed versions and are not mapped onto the main release.
  if ((m = /^Red Hat:enterprise_linux:(\d+)(?::|$)/.exec(osv))) return { ecosystem: 'rpm', distro: `redhat:${m[1]}` };
  if (osv === 'Wolfi') return { ecosystem: 'apk', distro: 'wolfi:rolling' };
  if (osv === 'Chainguard') return { ecosystem: 'apk', distro: 'chainguard:rolling' };
  return undefined;
}

/** AffectedPackage.name as the matcher looks it up: PEP 503 for PyPI, lower case for Packagist (see package-name.ts). */
export function normaliseName(ecosystem: Ecosystem, name: string): string {
  return ecosystem === 'nuget' ? name : packageKey(ecosystem, name);
}
