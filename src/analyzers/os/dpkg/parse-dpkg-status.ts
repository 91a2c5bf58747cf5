/**
 * Parser for the dpkg status database (var/lib/dpkg/status and distroless var/lib/dpkg/status.d/* files):
 * deb822 paragraphs separated by blank lines, `Field: value` lines, continuation lines starting with a space or
 * tab (Debian Policy §5.1). Only the fields Tollgate reports are kept, so memory stays proportional to the number
 * of packages, not to the size of their descriptions and conffile lists.
 */

/** One installed binary package. */
export interface DpkgRecord {
  name: string;
  /** The full `Version:` string, `[epoch:]upstream[-revision]`. */
  version: string;
  /** `Architecture:` ("" when absent). */
  arch: string;
  /** `Source:` name, or the binary name when the stanza has none. */
  sourceName: string;
  /** Version in `Source: name (version)`, else the binary version. */
  sourceVersion: string;
  maintainer?: string;
  /** `Installed-Size:` in KiB, as dpkg writes it. */
  installedSize?: number;
}

export interface DpkgStatusParse {
  packages: DpkgRecord[];
  /** Stanzas skipped or repaired, in words (bounded: see MAX_WARNINGS). */
  warnings: string[];
}

const MAX_WARNINGS = 20;

/**
 * Current-state words (the third word of `Status: want eflag state`, dpkg(1) "Package states") for which the
 * package's files are on disk. "not-installed" and "config-files" (removed, conffiles kept: `rc` in dpkg -l)
 * leave no binaries behind. The selection word (install/hold/deinstall/purge) is only a wish, so a package marked
 * for removal but still installed is reported.
 */
const FILES_PRESENT = new Set(['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending']);

/** Fields kept per stanza (lower-cased: deb822 field names are case-insensitive). */
const KEPT = new Set(['package', 'version', 'architecture', 'source', 'status', 'maintainer', 'installed-size']);

// Field names: printable US-ASCII except space and colon, not starting with '#' or '-' (Policy §5.1).
const FIELD = /^([!"$-,.-9;-~][!-9;-~]*):[ \t]*(.*)$/;

/**
 * Debian version syntax (Policy §5.6.12): `[epoch:]upstream[-revision]`, epoch digits, upstream of
 * alphanumerics and `.+~-:`, revision of alphanumerics and `.+~`. dpkg only warns when upstream does not start
 * with a digit, so neither do we.
 */
export function isValidDebianVersion(v: string): boolean {
  if (v === '' || /\s/.test(v)) return false;
  let rest = v;
  const colon = v.indexOf(':');
  if (colon !== -1) {
    if (!/^\d+$/.test(v.slice(0, colon))) return false;
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash === -1 ? rest : rest.slice(0, dash);
  const revision = dash === -1 ? undefined : rest.slice(dash + 1);
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream)) return false;
  return revision === undefined || /^[A-Za-z0-9.+~]+$/.test(revision);
}

export function parseDpkgStatus(input: string | Buffer): DpkgStatusParse {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const packages: DpkgRecord[] = [];
  const warnings: string[] = [];
  let dropped = 0;
  const warn = (msg: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(msg);
    else dropped++;
  };

  let fields = new Map<string, string>();
  let fieldCount = 0;
  let stanzaLine = 0;
  let malformed = 0;

  const flush = (): void => {
    if (fieldCount > 0) {
      const rec = toRecord(fields, stanzaLine, warn);
      if (rec) packages.push(rec);
    }
    fields = new Map();
    fieldCount = 0;
  };

  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);

    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      // Continuation of a multi-line field (Description, Conffiles, …): none of the kept fields uses it.
      if (fieldCount === 0) malformed++;
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) {
      malformed++;
      continue;
    }
    if (fieldCount === 0) stanzaLine = lineNo;
    fieldCount++;
    const key = (m[1] as string).toLowerCase();
    // dpkg rejects duplicate fields; keeping the first is the conservative reading.
    if (KEPT.has(key) && !fields.has(key)) fields.set(key, (m[2] as string).trim());
  }
  flush();

  if (malformed > 0) warn(`${malformed} line(s) that are neither a field nor a continuation were ignored`);
  if (dropped > 0) warnings.push(`… and ${dropped} more warning(s)`);
  return { packages, warnings };
}

function toRecord(fields: Map<string, string>, line: number, warn: (m: string) => void): DpkgRecord | undefined {
  const name = fields.get('package') ?? '';
  const version = fields.get('version') ?? '';
  if (name === '') {
    warn(`stanza at line ${line}: no Package field, skipped`);
    return undefined;
  }
  const status = fields.get('status');
  if (status !== undefined) {
    const state = status.split(/\s+/).at(-1) ?? '';
    if (!FILES_PRESENT.has(state)) return undefined; // not installed: not a finding, no warning
  }
  if (version === '') {
    warn(`package ${name} (line ${line}): no Version field, skipped`);
    return undefined;
  }
  if (!isValidDebianVersion(version)) {
    warn(`package ${name} (line ${line}): invalid version ${JSON.stringify(version)}, skipped`);
    return undefined;
  }
  let sourceName = name;
  let sourceVersion = version;
  const source = fields.get('source');
  if (source) {
    const m = /^(\S+)(?:\s*\(([^)]*)\))?/.exec(source);
    if (m) {
      sourceName = m[1] as string;
      const sv = m[2]?.trim();
      if (sv !== undefined) {
        if (isValidDebianVersion(sv)) sourceVersion = sv;
        else warn(`package ${name} (line ${line}): invalid source version ${JSON.stringify(sv)}, using the binary version`);
      }
    }
  }
  const rec: DpkgRecord = { name, version, arch: fields.get('architecture') ?? '', sourceName, sourceVersion };
  const maintainer = fields.get('maintainer');
  if (maintainer) rec.maintainer = maintainer;
  const size = /^\d+/.exec(fields.get('installed-size') ?? '');
  if (size) rec.installedSize = Number(size[0]);
  return rec;
}
