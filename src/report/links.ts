/**
 * A page about a vulnerability id, for help texts and CycloneDX sources: NVD for CVEs, the GitHub Advisory
 * Database for GHSAs, osv.dev for every other id OSV carries (GO-, PYSEC-, RUSTSEC-, DSA-, DLA-, USN-, ALSA-…).
 */
export function vulnerabilityUrl(id: string): string {
  if (/^CVE-\d{4}-\d+$/i.test(id)) return `https://nvd.nist.gov/vuln/detail/${id.toUpperCase()}`;
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i.test(id)) return `https://github.com/advisories/${id}`;
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** The name of the database an id belongs to, by its prefix ("NVD", "GitHub", else the prefix itself). */
export function vulnerabilitySourceName(id: string): string {
  if (/^CVE-/i.test(id)) return 'NVD';
  if (/^GHSA-/i.test(id)) return 'GitHub';
  const prefix = /^([A-Za-z]+)-/.exec(id)?.[1];
  return prefix !== undefined ? prefix.toUpperCase() : 'OSV';
}
