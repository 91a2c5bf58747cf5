/**
 * Maps an os-release ID to Tollgate's OS family. Families follow Trivy's OSType strings where one exists
 * (aquasecurity/trivy: pkg/fanal/types/const.go) because the vulnerability feeds are keyed by them; any other
 * ID is kept as written (os-release(5) IDs are already lower-case tokens).
 */
const ID_TO_FAMILY: Readonly<Record<string, string>> = {
  rhel: 'redhat',
  almalinux: 'alma',
  ol: 'oracle',
  amzn: 'amazon',
  mariner: 'cbl-mariner',
  // SLE Micro has shipped under three IDs (incl. the "for Rancher" rebrand); Trivy folds them into one family.
  'sle-micro': 'slem',
  'sl-micro': 'slem',
  'sle-micro-rancher': 'slem',
};

export function familyFromId(id: string, name?: string): string {
  const lower = id.toLowerCase();
  // CentOS Linux and CentOS Stream share ID=centos; only NAME tells them apart.
  if (lower === 'centos' && name === 'CentOS Stream') return 'centos-stream';
  // openSUSE Leap 42.x used ID=opensuse (Leap 15 uses opensuse-leap); pre-Leap openSUSE stays "opensuse".
  if (lower === 'opensuse') return name !== undefined && /leap/i.test(name) ? 'opensuse-leap' : 'opensuse';
  return ID_TO_FAMILY[lower] ?? lower;
}
