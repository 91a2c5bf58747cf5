import type { SbomDocument } from '../core/index.js';
import { imageName, platformString } from './identity.js';

/**
 * A few lines for a person at a terminal (the CLI prints them to stderr while the SBOM goes to stdout):
 *   Image:    docker.io/library/debian:12 (sha256:4f5c…) linux/amd64
 *   OS:       debian 12.5 (bookworm)
 *   Packages: 125 (deb 125)
 *   Warnings: 1
 */
export function summarizeSbom(doc: SbomDocument): string {
  const image = doc.image;
  const base = imageName(image);
  // The input as written already carries its tag.
  const name = `${base}${image.tag !== undefined && base !== image.input ? `:${image.tag}` : ''}`;
  const digest = image.manifestDigest !== undefined ? ` (${shortDigest(image.manifestDigest)})` : '';
  const platform = platformString(image);
  const lines = [`Image:    ${name}${digest}${platform !== undefined ? ` ${platform}` : ''}`];
  const os = doc.os;
  lines.push(
    `OS:       ${os !== undefined ? `${os.family} ${os.version}${os.codename ? ` (${os.codename})` : ''}` : 'unknown'}`,
  );
  const counts = new Map<string, number>();
  for (const p of doc.packages) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
  const perType = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  lines.push(`Packages: ${doc.packages.length}${perType ? ` (${perType})` : ''}`);
  if (doc.warnings.length > 0) lines.push(`Warnings: ${doc.warnings.length} (the SBOM may be incomplete)`);
  return `${lines.join('\n')}\n`;
}

/** "sha256:0123456789ab" — enough to recognise a digest. */
function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon >= 0 ? digest.slice(0, colon + 13) : digest.slice(0, 12);
}
