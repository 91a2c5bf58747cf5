import { PackageURL } from 'packageurl-js';
import type { OperatingSystem } from '../core/index.js';

/**
 * purl construction for OS packages (purl spec PURL-TYPES; qualifiers as Syft/Trivy write them):
 *   pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12
 *   pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&distro=rocky-9.3
 *   pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1
 */
export function osPurl(
  type: 'deb' | 'rpm' | 'apk',
  os: OperatingSystem | undefined,
  name: string,
  version: string,
  qualifiers: Record<string, string | undefined>,
): string {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(qualifiers)) if (v !== undefined && v !== '') q[k] = v;
  const distro = distroQualifier(type, os);
  if (distro) q.distro = distro;
  const namespace = os?.family ?? defaultNamespace(type);
  return new PackageURL(type, namespace, name, version, Object.keys(q).length ? q : undefined, undefined).toString();
}

function defaultNamespace(type: 'deb' | 'rpm' | 'apk'): string {
  return type === 'deb' ? 'debian' : type === 'apk' ? 'alpine' : 'redhat';
}

/** deb: `<family>-<VERSION_ID major[.minor] as os-release has it>`; rpm: `<family>-<version>`; apk: `<version>`. */
function distroQualifier(type: 'deb' | 'rpm' | 'apk', os: OperatingSystem | undefined): string | undefined {
  if (!os?.version) return undefined;
  if (type === 'apk') return os.version;
  if (type === 'deb' && os.family === 'debian') return `debian-${os.version.split('.')[0]}`;
  return `${os.family}-${os.version}`;
}
