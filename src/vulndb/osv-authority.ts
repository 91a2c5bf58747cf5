/**
 * Who publishes an OSV record, from its id prefix: the authority whose CVSS vectors and severities it carries
 * (CvssScore.source) and whose verdict the matcher weighs. Undefined for prefixes not listed (e.g. plain CVE ids).
 */
const AUTHORITY: Record<string, string> = {
  GHSA: 'ghsa',
  PYSEC: 'pypa',
  GO: 'go',
  RUSTSEC: 'rustsec',
  UBUNTU: 'ubuntu',
  USN: 'ubuntu',
  CGA: 'chainguard',
  DSA: 'debian',
  DLA: 'debian',
  DEBIAN: 'debian',
  RLSA: 'rocky',
  ALSA: 'alma',
  ALBA: 'alma',
  RHSA: 'redhat',
  RHBA: 'redhat',
  RHEA: 'redhat',
};

export function osvAuthorityOf(id: string): string | undefined {
  return AUTHORITY[id.split('-')[0]!.toUpperCase()];
}
