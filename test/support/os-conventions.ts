/**
 * How the pkgdb/osrelease corpus (../shared/data/pkgdb/osrelease) maps to Tollgate's OperatingSystem: naming
 * conventions of the peers, and the few cases where Tollgate answers differently on purpose.
 */
import assert from 'node:assert/strict';

export interface ExpectedOsCase {
  os: { family: string | null; version: string | null } | null;
  familyConvention: string;
}
type Expected = ExpectedOsCase;

/**
 * Convention differences between the corpus peers and Tollgate (not disagreements about the OS):
 *
 * Syft cases (familyConvention "os-release ID") report the raw os-release ID as the family; Tollgate's family is
 * Trivy's OSType, and the raw ID is in `os.id`. Only these IDs are spelt differently (Trivy const.go):
 */
export const SYFT_ID_TO_FAMILY: Readonly<Record<string, string>> = {
  rhel: 'redhat',
  almalinux: 'alma',
  ol: 'oracle',
  amzn: 'amazon',
  mariner: 'cbl-mariner',
};
/*
 * - Syft `version: null` (no VERSION_ID) is Tollgate's `version: ""` (OperatingSystem.version is a required string).
 * - Syft `family: null` (a Release with no ID) is "no OS" in Tollgate: without an ID there is no family to report.
 * - Trivy's Amazon "name" is the tail of the system-release line ("2 (Karoo)", "AMI release 2018.03",
 *   "2023 (Amazon Linux)"); Tollgate reports the release number alone ("2", "2018.03", "2023"), which is what
 *   os-release VERSION_ID says on the same images and what the Amazon advisories are keyed by.
 */
function trivyAmazonVersion(name: string): string {
  return name.replace(/^AMI release /, '').split(' ')[0] ?? name;
}

/**
 * Intentional differences: the peer's answer and Tollgate's differ on purpose. Each is asserted both ways (the
 * corpus still says what is quoted, and Tollgate says what is listed), so the list cannot silently go stale.
 */
export const INTENTIONAL: Readonly<Record<string, { peer: Expected['os']; tollgate: { family: string; version: string }; why: string }>> = {
  'trivy-os-release-no-version-id-field': {
    peer: null,
    tollgate: { family: 'alpine', version: '' },
    why:
      'Trivy needs VERSION_ID to report an OS because it only scans; an SBOM should still say "alpine" when the ' +
      'version is unknown (Syft does the same for Arch, see syft-arch). Matchers see the empty version.',
  },
  'trivy-os-release-unknown-os': {
    peer: null,
    tollgate: { family: 'unknown', version: '4.3.2' },
    why:
      'Trivy drops IDs it has no advisories for; Tollgate keeps any os-release ID (as Syft does, see ' +
      'syft-partial-fields-unknown-id) so SBOMs name the distribution; no feed matches it, so no findings follow.',
  },
  'trivy-amazon-sad-path-amazon-linux-2-without-code-name': {
    peer: null,
    tollgate: { family: 'amazon', version: '2' },
    why:
      '"Amazon Linux release 2" is unambiguous; Trivy only rejects it because its parser wants a fifth word ' +
      '(the codename) to build its "2 (Karoo)" name.',
  },
};

export function expectedFor(caseName: string, exp: Expected): { family: string; version: string } | undefined {
  if (exp.os === null || exp.os.family === null) return undefined;
  const syft = exp.familyConvention.startsWith('os-release ID');
  const family = syft ? (SYFT_ID_TO_FAMILY[exp.os.family] ?? exp.os.family) : exp.os.family;
  let version = exp.os.version ?? '';
  if (!syft && family === 'amazon') version = trivyAmazonVersion(version);
  assert.ok(syft || exp.familyConvention === 'trivy OSType', `${caseName}: unknown convention ${exp.familyConvention}`);
  return { family, version };
}

