import { VulnDbError } from '../../../core/index.js';
import { parseFeedJson } from '../../mirror/json-files.js';

/**
 * Debian codenames → the release key of `distroKey("debian", version)`: the major version ("12"), "unstable"
 * for sid. The tracker's own table (security-tracker static/distributions.json: {codename: {"major-version"}})
 * is used when the mirror has it; this built-in table covers the rest (https://www.debian.org/releases/).
 */
const BUILT_IN: Readonly<Record<string, string>> = {
  hamm: '2',
  slink: '2',
  potato: '2',
  woody: '3',
  sarge: '3',
  etch: '4',
  lenny: '5',
  squeeze: '6',
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
  sid: 'unstable',
};

export class DebianReleases {
  private readonly table = new Map<string, string>(Object.entries(BUILT_IN));

  /** Adds static/distributions.json; its major versions win over the built-in table. */
  addDistributionsJson(rel: string, data: Buffer | string): void {
    const doc = parseFeedJson('debian', rel, data);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new VulnDbError('MALFORMED_FEED', `debian: ${rel}: expected {codename: {"major-version": …}}`);
    }
    for (const [codename, info] of Object.entries(doc)) {
      const major = (info as { 'major-version'?: unknown } | null)?.['major-version'];
      if (major === undefined || major === null || major === '') continue;
      if (typeof major !== 'string' && typeof major !== 'number') {
        throw new VulnDbError('MALFORMED_FEED', `debian: ${rel}: ${codename}: "major-version" is not a version`);
      }
      this.table.set(codename, String(major));
    }
  }

  /** "debian:12" for "bookworm" (also "bookworm-security"); undefined for a codename nobody knows. */
  distro(codename: string): string | undefined {
    const v = this.table.get(codename.replace(/-(security|updates|backports|lts)$/, ''));
    return v === undefined ? undefined : `debian:${v}`;
  }
}
