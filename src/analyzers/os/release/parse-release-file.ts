import { familyFromId } from './family.js';
import { parseOsRelease } from './parse-os-release.js';

/** What one distribution-specific release file says about the OS. */
export interface ReleaseCandidate {
  /** os-release-style ID (e.g. "rhel", "almalinux", "amzn"), when the file names a known distribution. */
  id?: string;
  family: string;
  version: string;
  codename?: string;
  prettyName?: string;
}

/** Release files are one or a few short lines; never scan more than this. */
const MAX_CHARS = 16 * 1024;

function firstLine(text: string): string {
  const body = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  for (const line of body.split('\n')) {
    const t = line.trim();
    if (t !== '') return t;
  }
  return '';
}

/** etc/alpine-release: the version alone, e.g. "3.19.1" (edge: "3.20_alpha20240329"). */
export function parseAlpineRelease(text: string): ReleaseCandidate | undefined {
  const v = firstLine(text);
  if (!/^\d[0-9A-Za-z._+-]*$/.test(v)) return undefined;
  return { id: 'alpine', family: 'alpine', version: v };
}

/** etc/debian_version: "12.5", or a codename pair on testing/sid ("trixie/sid"), which is kept as written. */
export function parseDebianVersion(text: string): ReleaseCandidate | undefined {
  const v = firstLine(text);
  if (!/^[0-9A-Za-z][0-9A-Za-z._+~/-]*$/.test(v)) return undefined;
  return { id: 'debian', family: 'debian', version: v };
}

// "<name> release <version> (<codename>)", e.g. "Rocky Linux release 8.4 (Green Obsidian)".
const RELEASE_LINE = /^(.*?)\s+release\s+(\d[\d.]*)(?:\s*\((.*?)\))?/i;

/** Names used in RHEL-family release files → os-release ID (and hence family). First match wins. */
const RHEL_FAMILY_NAMES: readonly [RegExp, string | undefined][] = [
  // RHCOS versions are OpenShift versions, not RHEL ones; reporting "redhat 4.14" would be wrong.
  [/^red hat enterprise linux coreos/i, undefined],
  [/^red hat/i, 'rhel'],
  [/^centos stream/i, 'centos-stream'],
  [/^centos/i, 'centos'],
  [/^rocky/i, 'rocky'],
  [/^alma/i, 'almalinux'],
  [/^oracle/i, 'ol'],
  [/^fedora/i, 'fedora'],
  [/^scientific/i, 'scientific'],
];

/**
 * etc/redhat-release and its siblings (centos-, rocky-, almalinux-, oracle-, fedora-release):
 * "CentOS Linux release 7.6.1810 (Core)", "Oracle Linux Server release 7.6", "Fedora release 29 (Twenty Nine)".
 */
export function parseRedHatRelease(text: string): ReleaseCandidate | undefined {
  const line = firstLine(text);
  const m = RELEASE_LINE.exec(line);
  if (!m) return undefined;
  const [, name = '', rawVersion = '', codename] = m;
  const version = rawVersion.replace(/\.+$/, '');
  let id: string | undefined;
  let family = 'redhat'; // an unrecognised name in a RHEL-style release file is a RHEL rebuild (as Trivy assumes)
  const known = RHEL_FAMILY_NAMES.find(([re]) => re.test(name.trim()));
  if (known) {
    if (known[1] === undefined) return undefined;
    if (known[1] === 'centos-stream') {
      id = 'centos';
      family = 'centos-stream';
    } else {
      id = known[1];
      family = familyFromId(id);
    }
  }
  return { ...(id ? { id } : {}), family, version, ...(codename ? { codename } : {}), prettyName: line };
}

// "Amazon Linux release 2 (Karoo)", "Amazon Linux release 2023 (Amazon Linux)", "Amazon Linux AMI release 2018.03".
const AMAZON_LINE = /^Amazon Linux (?:AMI )?release (\d[\d.]*)(?:\s*\((.*?)\))?/;

/** etc/system-release and usr/lib/system-release: Amazon Linux writes its release here; RHEL clones a redhat-release line. */
export function parseSystemRelease(text: string): ReleaseCandidate | undefined {
  const line = firstLine(text);
  if (line.startsWith('Amazon Linux')) {
    const m = AMAZON_LINE.exec(line);
    if (!m) return undefined;
    const [, version = '', paren] = m;
    // AL2 has a codename ("Karoo"); AL2022+ repeat the product name in its place, which is no codename.
    const codename = paren && paren !== 'Amazon Linux' ? paren : undefined;
    return { id: 'amzn', family: 'amazon', version: version.replace(/\.+$/, ''), ...(codename ? { codename } : {}), prettyName: line };
  }
  return parseRedHatRelease(text);
}

/** CPE vendors of system-release-cpe → os-release ID. */
const CPE_VENDOR_TO_ID: Readonly<Record<string, string>> = {
  redhat: 'rhel',
  centos: 'centos',
  rocky: 'rocky',
  almalinux: 'almalinux',
  oracle: 'ol',
  fedoraproject: 'fedora',
  amazon: 'amzn',
  scientificlinux: 'scientific',
};

/** etc/system-release-cpe (CentOS 6 era has no os-release): "cpe:/o:centos:linux:6:GA" or a CPE 2.3 string. */
export function parseSystemReleaseCpe(text: string): ReleaseCandidate | undefined {
  const line = firstLine(text);
  const m = /^cpe:(?:\/|2\.3:)o:([^:]+):([^:]+):(\d[^:]*)/i.exec(line);
  if (!m) return undefined;
  const [, vendor = '', , version = ''] = m;
  const id = CPE_VENDOR_TO_ID[vendor.toLowerCase()] ?? vendor.toLowerCase();
  return { id, family: familyFromId(id), version };
}

/** etc/lsb-release (Ubuntu): DISTRIB_ID / DISTRIB_RELEASE / DISTRIB_CODENAME / DISTRIB_DESCRIPTION, shell syntax. */
export function parseLsbRelease(text: string): ReleaseCandidate | undefined {
  const v = parseOsRelease(text);
  const distrib = v.DISTRIB_ID?.trim();
  const version = v.DISTRIB_RELEASE?.trim();
  if (!distrib || !version) return undefined;
  const id = distrib.toLowerCase().replace(/\s+/g, '-');
  return {
    id,
    family: familyFromId(id),
    version,
    ...(v.DISTRIB_CODENAME ? { codename: v.DISTRIB_CODENAME } : {}),
    ...(v.DISTRIB_DESCRIPTION ? { prettyName: v.DISTRIB_DESCRIPTION } : {}),
  };
}

const BUSYBOX_MARKER = Buffer.from('BusyBox v', 'latin1');

/**
 * bin/busybox: the binary embeds its banner "BusyBox v1.36.1 (…)". Only meaningful when nothing else identifies
 * the OS (every Alpine image also has a busybox binary), so it ranks last.
 */
export function parseBusyBox(content: Buffer): ReleaseCandidate | undefined {
  let from = 0;
  for (;;) {
    const at = content.indexOf(BUSYBOX_MARKER, from);
    if (at === -1) return undefined;
    const tail = content.subarray(at + BUSYBOX_MARKER.length, at + BUSYBOX_MARKER.length + 32).toString('latin1');
    const m = /^\d+(?:\.\d+)*/.exec(tail);
    if (m) return { id: 'busybox', family: 'busybox', version: m[0], prettyName: `BusyBox v${m[0]}` };
    from = at + 1;
  }
}
