import { createHash } from 'node:crypto';
import type { ImageMetadata, Package, PurlType, SbomDocument } from '../core/index.js';

/** purl types of packages that belong to the operating system (they hang under the OS element). */
const OS_PACKAGE_TYPES: ReadonlySet<PurlType> = new Set<PurlType>(['deb', 'apk', 'rpm']);

export function isOsPackage(pkg: Package): boolean {
  return OS_PACKAGE_TYPES.has(pkg.type);
}

/** The image's display name: its repository, else the repository of its first repo tag/digest, else the input. */
export function imageName(image: ImageMetadata): string {
  return image.repository ?? referenceRepository(image) ?? image.input;
}

/** The image's version: its tag, else the manifest digest. */
export function imageVersion(image: ImageMetadata): string | undefined {
  return image.tag ?? image.manifestDigest;
}

export function platformString(image: ImageMetadata): string | undefined {
  const p = image.platform;
  if (p === undefined) return undefined;
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

function referenceRepository(image: ImageMetadata): string | undefined {
  const ref = image.repoTags?.[0] ?? image.repoDigests?.[0];
  if (ref === undefined) return undefined;
  const at = ref.indexOf('@');
  const withoutDigest = at >= 0 ? ref.slice(0, at) : ref;
  // A tag's ":" comes after the last "/" (a registry port's ":" comes before it).
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

/**
 * purl-spec percent-encoding of a component. Qualifier values keep "/" and ":" readable, as the spec's oci
 * example does (repository_url=docker.io/library/debian); the version's ":" is encoded as in that example.
 */
function purlEncode(s: string, qualifierValue = false): string {
  const encoded = encodeURIComponent(s);
  return qualifierValue ? encoded.replace(/%2F/gi, '/').replace(/%3A/gi, ':') : encoded;
}

/**
 * The image's package URL per the purl spec's `oci` type (PURL-TYPES.rst):
 *   pkg:oci/debian@sha256%3A244fd47e07d10?arch=amd64&repository_url=docker.io/library/debian&tag=latest
 * name = last repository segment, lower-cased; version = the manifest digest that was analysed; qualifiers sorted
 * by key (canonical form). Undefined when no manifest digest is known (a `dir:` source has no identity to cite).
 */
export function ociPurl(image: ImageMetadata): string | undefined {
  if (image.manifestDigest === undefined) return undefined;
  const repository = image.repository ?? referenceRepository(image);
  const name = (repository ?? image.input).split('/').pop()?.toLowerCase();
  if (name === undefined || name === '') return undefined;
  const qualifiers: [string, string][] = [];
  if (image.platform?.architecture) qualifiers.push(['arch', image.platform.architecture]);
  if (repository !== undefined) qualifiers.push(['repository_url', repository]);
  if (image.tag !== undefined && image.tag !== '') qualifiers.push(['tag', image.tag]);
  const query = qualifiers.map(([k, v]) => `${k}=${purlEncode(v, true)}`).join('&');
  return `pkg:oci/${purlEncode(name)}@${purlEncode(image.manifestDigest)}${query ? `?${query}` : ''}`;
}

/** Splits "sha256:abc…" into a hash algorithm name and hex content, when it is one of the usual ones. */
export function splitDigest(digest: string | undefined): { alg: 'SHA-256' | 'SHA-512'; hex: string } | undefined {
  const m = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest ?? '');
  if (m === null) return undefined;
  const alg = m[1] === 'sha256' ? 'SHA-256' : 'SHA-512';
  const hex = m[2] ?? '';
  return hex.length === (alg === 'SHA-256' ? 64 : 128) ? { alg, hex } : undefined;
}

/**
 * A UUID derived from the whole document (RFC 4122 §4.3 name-based layout with SHA-1, as version 5): the same
 * input (including createdAt) always gives the same serial number / namespace, so outputs are reproducible in
 * tests, and two scans at different times or of different content differ.
 */
export function documentUuid(doc: SbomDocument): string {
  const bytes = createHash('sha1').update('tollgate-sbom\0').update(JSON.stringify(doc)).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface Contact {
  name: string;
  email?: string;
  organization: boolean;
}

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;
/** Words that mark a maintainer field as a team or company rather than one person. */
const ORGANIZATION_WORDS =
  /\b(team|group|maintainers|developers|project|foundation|community|inc|ltd|llc|gmbh|corp|corporation|company|alpine|debian|ubuntu|fedora|red hat|suse|oracle|amazon|microsoft|google|chainguard)\b/i;

/**
 * The supplier of a package: the dpkg/apk maintainer ("Name <email>") or the rpm vendor. Whether a maintainer
 * is a person or an organization is a heuristic on the name (SPDX needs one or the other): "Debian OpenSSL Team",
 * "Alpine Linux" and vendors are organizations, anything else a person.
 */
export function packageSupplier(pkg: Package): Contact | undefined {
  const m = pkg.metadata;
  if (m === undefined) return undefined;
  if (m.kind === 'rpm') {
    const vendor = m.vendor?.trim();
    return vendor ? { name: vendor, organization: true } : undefined;
  }
  if (m.kind !== 'dpkg' && m.kind !== 'apk') return undefined;
  const raw = m.maintainer?.trim();
  if (!raw) return undefined;
  const match = /^(.*?)\s*<([^<>]*)>\s*$/.exec(raw);
  const name = (match ? match[1] : raw)?.trim() ?? '';
  const email = match?.[2]?.trim();
  const contact: Contact = { name: name || (email ?? raw), organization: ORGANIZATION_WORDS.test(name) };
  if (email !== undefined && EMAIL.test(email)) contact.email = email;
  return contact;
}
