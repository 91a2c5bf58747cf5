import type { OperatingSystem } from '../../core/index.js';
import type { OsFacts, PackageFacts, Producer } from './facts.js';
import { normalizeLegacyPurl, parsePurl } from './purl.js';

/**
 * OS family names as Tollgate uses them (src/core/os.ts: Trivy's OSType strings where one exists). The same
 * os-release ID table as src/analyzers/os/release/family.ts (src/sbom may not import analyzers; keep the two in
 * step), plus the spellings older Trivy releases wrote as OS component names.
 */
const ID_TO_FAMILY: Readonly<Record<string, string>> = {
  rhel: 'redhat',
  almalinux: 'alma',
  ol: 'oracle',
  amzn: 'amazon',
  mariner: 'cbl-mariner',
  'sle-micro': 'slem',
  'sl-micro': 'slem',
  'sle-micro-rancher': 'slem',
  // aquasecurity/trivy before v0.46 (pkg/fanal/analyzer/os/const.go): "opensuse.leap", "suse linux enterprise server".
  'opensuse.leap': 'opensuse-leap',
  'opensuse.tumbleweed': 'opensuse-tumbleweed',
  'suse linux enterprise server': 'sles',
  'suse linux enterprise micro': 'slem',
};

export function familyFromName(name: string): string {
  const lower = name.trim().toLowerCase();
  return ID_TO_FAMILY[lower] ?? lower;
}

/** "2 (Karoo)" → version "2", codename "Karoo" (Trivy writes Amazon Linux releases so). */
function splitVersion(version: string): { version: string; codename?: string } {
  const m = /^(\S+)\s+\((.+)\)$/.exec(version.trim());
  return m ? { version: m[1] ?? '', codename: m[2] ?? '' } : { version: version.trim() };
}

/** The OS a CycloneDX operating-system component or SPDX OPERATING-SYSTEM package describes. */
export function osFromFacts(f: OsFacts, producer: Producer): OperatingSystem | undefined {
  const p = f.props;
  if (producer === 'tollgate') {
    const os: OperatingSystem = { family: f.name, version: f.version ?? '' };
    const id = p.first('tollgate:os:id');
    const codename = p.first('tollgate:os:codename');
    const source = p.first('tollgate:os:source');
    if (id) os.id = id;
    if (codename) os.codename = codename;
    if (f.description) os.prettyName = f.description;
    if (source) os.source = source;
    return os;
  }
  // Syft: name = os-release ID, properties syft:distro:* (anchore/syft: syft/format/common/cyclonedxhelpers).
  const id = p.first('syft:distro:id') ?? f.name;
  // Trivy writes "none" as the OS component name when it found no OS (pkg/fanal/types: OSType "none").
  if (id === '' || id.toLowerCase() === 'none') return undefined;
  const split = splitVersion(f.version ?? p.first('syft:distro:versionID') ?? '');
  const os: OperatingSystem = { family: familyFromName(id), version: split.version };
  if (producer === 'syft' || id.toLowerCase() !== os.family) os.id = id.toLowerCase();
  const codename = p.first('syft:distro:versionCodename') ?? split.codename;
  if (codename) os.codename = codename;
  const pretty = p.first('syft:distro:prettyName') ?? f.description;
  if (pretty) os.prettyName = pretty;
  return os;
}

/**
 * The OS named by the `distro` qualifiers of OS-package purls, when the document has no OS element (Syft's SPDX
 * output, purl-only SBOMs); Grype reads purl-only input the same way. Forms seen: "debian-12", "ubuntu-18.04",
 * "rocky-8.4" (family-version), "3.18.0" (Trivy's apk: version only, family = namespace), "alpine-3.16.2" (Syft).
 * Undefined when no OS package carries one; `conflict` lists them when they disagree.
 */
export function osFromPurls(packages: PackageFacts[]): { os?: OperatingSystem; conflict?: string[]; familyOnly?: string } {
  const seen = new Map<string, OperatingSystem>();
  let familyOnly: string | undefined;
  for (const f of packages) {
    if (!f.purl || !/^pkg:\/*(deb|apk|rpm|alpine)\//i.test(f.purl.trim())) continue;
    const parsed = parsePurl(f.purl);
    if (!parsed) continue;
    const p = normalizeLegacyPurl(parsed);
    if (p.type !== 'deb' && p.type !== 'apk' && p.type !== 'rpm') continue;
    const distro = p.qualifiers.distro;
    if (!distro) {
      familyOnly ??= p.namespace;
      continue;
    }
    const m = /^(.*?)-(\d.*)$/.exec(distro);
    const family = familyFromName(m ? (m[1] ?? '') : (p.namespace ?? ''));
    const version = m ? (m[2] ?? '') : /^\d/.test(distro) ? distro : '';
    if (!family) continue;
    seen.set(`${family} ${version}`, { family, version });
  }
  if (seen.size === 1) return { os: [...seen.values()][0]! };
  if (seen.size > 1) return { conflict: [...seen.keys()].sort() };
  return familyOnly !== undefined ? { familyOnly: familyFromName(familyOnly) } : {};
}
