import type { FileEntry, OperatingSystem } from '../../../core/index.js';
import type { Analyzer, AnalyzerOutput, Located, MergeInput } from '../../analyzer.js';
import { familyFromId } from './family.js';
import { parseOsRelease } from './parse-os-release.js';
import {
  parseAlpineRelease,
  parseBusyBox,
  parseDebianVersion,
  parseLsbRelease,
  parseRedHatRelease,
  parseSystemRelease,
  parseSystemReleaseCpe,
  type ReleaseCandidate,
} from './parse-release-file.js';

export type { ReleaseCandidate } from './parse-release-file.js';

/** The fact for one file: os-release key/values, or what a distribution-specific release file says. */
export type ReleaseFact =
  | { kind: 'os-release'; fields: Record<string, string> }
  | { kind: 'release-file'; release: ReleaseCandidate };

/** os-release(5): /etc/os-release takes precedence over /usr/lib/os-release. Bottlerocket keeps its own. */
const OS_RELEASE_PATHS = [
  'etc/os-release',
  'usr/lib/os-release',
  'x86_64-bottlerocket-linux-gnu/sys-root/usr/lib/os-release',
  'aarch64-bottlerocket-linux-gnu/sys-root/usr/lib/os-release',
] as const;

/**
 * Release files, in the order they are consulted when no os-release names the OS: distribution-specific files
 * first (a CentOS image also has redhat-release; Ubuntu also has debian_version), busybox last (Alpine has it too).
 */
const RELEASE_FILES: readonly (readonly [string, (f: FileEntry) => ReleaseCandidate | undefined])[] = [
  ['etc/alpine-release', (f) => parseAlpineRelease(text(f))],
  ['etc/oracle-release', (f) => parseRedHatRelease(text(f))],
  ['etc/rocky-release', (f) => parseRedHatRelease(text(f))],
  ['etc/almalinux-release', (f) => parseRedHatRelease(text(f))],
  ['etc/centos-release', (f) => parseRedHatRelease(text(f))],
  ['etc/fedora-release', (f) => parseRedHatRelease(text(f))],
  ['etc/redhat-release', (f) => parseRedHatRelease(text(f))],
  ['etc/system-release', (f) => parseSystemRelease(text(f))],
  ['usr/lib/system-release', (f) => parseSystemRelease(text(f))],
  ['etc/system-release-cpe', (f) => parseSystemReleaseCpe(text(f))],
  ['etc/lsb-release', (f) => parseLsbRelease(text(f))],
  ['etc/debian_version', (f) => parseDebianVersion(text(f))],
  ['bin/busybox', (f) => parseBusyBox(f.content)],
];

const RELEASE_PARSERS = new Map(RELEASE_FILES);
const REQUIRED = new Set<string>([...OS_RELEASE_PATHS, ...RELEASE_PARSERS.keys()]);

/** Text files here are tiny; only the head of a file is decoded (bin/busybox is searched as bytes). */
const TEXT_HEAD = 64 * 1024;
function text(f: FileEntry): string {
  return f.content.subarray(0, TEXT_HEAD).toString('utf8');
}

/** A Debian point release ("12.5") or plain major ("12"), as etc/debian_version has it on stable releases. */
const NUMERIC_DEBIAN_VERSION = /^\d+(?:\.\d+)*$/;

/**
 * Decides the OS from the release facts of the final filesystem view.
 *
 * - An os-release with an ID wins: family from ID (+ NAME for CentOS Stream / openSUSE), version from VERSION_ID.
 *   An ID without VERSION_ID is still an OS (rolling releases such as Arch, Debian sid); version is then "".
 * - Debian: etc/debian_version refines VERSION_ID ("12" → "12.5") and supplies the version when os-release has
 *   none (testing/sid: "trixie/sid").
 * - Other families without VERSION_ID take the version of a release file of the same family.
 * - Without a usable os-release, the first parsable release file in RELEASE_FILES order decides.
 * `source` is the file the reported version came from.
 */
export function decideOs(facts: readonly Located<ReleaseFact>[]): OperatingSystem | undefined {
  const byPath = new Map<string, ReleaseFact>();
  for (const f of facts) byPath.set(f.path, f.fact);

  const candidates: { path: string; release: ReleaseCandidate }[] = [];
  for (const [path] of RELEASE_FILES) {
    const fact = byPath.get(path);
    if (fact?.kind === 'release-file') candidates.push({ path, release: fact.release });
  }

  for (const path of OS_RELEASE_PATHS) {
    const fact = byPath.get(path);
    if (fact?.kind !== 'os-release') continue;
    const v = fact.fields;
    const id = v.ID?.trim();
    if (!id) continue;
    const family = familyFromId(id, v.NAME);
    let version = v.VERSION_ID?.trim() ?? '';
    let source: string = path;
    if (family === 'debian') {
      const dv = candidates.find((c) => c.path === 'etc/debian_version')?.release.version;
      if (dv !== undefined) {
        const refines = NUMERIC_DEBIAN_VERSION.test(dv) && (version === '' || dv === version || dv.startsWith(`${version}.`));
        if (refines || version === '') {
          version = dv;
          source = 'etc/debian_version';
        }
      }
    } else if (version === '') {
      const same = candidates.find((c) => c.release.family === family && c.release.version !== '');
      if (same) {
        version = same.release.version;
        source = same.path;
      }
    }
    const codename = nonEmpty(v.VERSION_CODENAME) ?? nonEmpty(v.UBUNTU_CODENAME);
    const prettyName = nonEmpty(v.PRETTY_NAME);
    return { family, version, id, ...(codename ? { codename } : {}), ...(prettyName ? { prettyName } : {}), source };
  }

  const first = candidates[0];
  if (!first) return undefined;
  const r = first.release;
  return {
    family: r.family,
    version: r.version,
    ...(r.id ? { id: r.id } : {}),
    ...(r.codename ? { codename: r.codename } : {}),
    ...(r.prettyName ? { prettyName: r.prettyName } : {}),
    source: first.path,
  };
}

function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

export const analyzer: Analyzer<ReleaseFact> = {
  id: 'release',
  version: 1,
  coverage: [
    {
      ecosystem: 'os',
      what: 'distribution and version',
      files: ['/etc/os-release', '/usr/lib/os-release', '/etc/*-release', '/etc/debian_version', '/etc/lsb-release', '/bin/busybox'],
      evidence: 'os',
    },
  ],
  kind: 'os',
  // Release files are tiny; bin/busybox is the largest file read (about 1–2 MiB, static builds included).
  maxFileSize: 8 * 1024 * 1024,
  required(path: string): boolean {
    return REQUIRED.has(path);
  },
  analyze(file: FileEntry): ReleaseFact | undefined {
    if ((OS_RELEASE_PATHS as readonly string[]).includes(file.path)) {
      const fields = parseOsRelease(text(file));
      return Object.keys(fields).length ? { kind: 'os-release', fields } : undefined;
    }
    const parse = RELEASE_PARSERS.get(file.path);
    const release = parse?.(file);
    return release ? { kind: 'release-file', release } : undefined;
  },
  merge({ final }: MergeInput<ReleaseFact>): AnalyzerOutput {
    const os = decideOs(final);
    return os ? { os } : {};
  },
};
