/**
 * License extraction from usr/share/doc/<package>/copyright.
 *
 * Two sources of evidence:
 *  - machine-readable copyright files (DEP-5, https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/):
 *    the first line of every `License:` field is a short name or an `or`/`and` expression of short names;
 *  - references to Debian's license texts, "/usr/share/common-licenses/GPL-2", which free-form files use too.
 * DEP-5 short names are mapped to SPDX ids where the mapping is exact; anything else is kept as written.
 */

/** Copyright files beyond this are not read further: the License fields that matter come early. */
export const COPYRIGHT_MAX_BYTES = 512 * 1024;

/** DEP-5 short names whose SPDX id differs by more than version spelling. */
const SHORT_NAME_TO_SPDX: Readonly<Record<string, string>> = {
  'apache-2': 'Apache-2.0',
  'apache-2.0': 'Apache-2.0',
  // DEP-5: "Expat: The Expat license" is what SPDX calls MIT.
  expat: 'MIT',
  mit: 'MIT',
  // /usr/share/common-licenses/Artistic is the Perl 5 Artistic License (SPDX Artistic-1.0-Perl).
  artistic: 'Artistic-1.0-Perl',
  'artistic-2.0': 'Artistic-2.0',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd-4-clause': 'BSD-4-Clause',
  zlib: 'Zlib',
  isc: 'ISC',
  cc0: 'CC0-1.0',
  'cc0-1.0': 'CC0-1.0',
  'mpl-1.1': 'MPL-1.1',
  'mpl-2.0': 'MPL-2.0',
  'python-2.0': 'Python-2.0',
};

/**
 * DEP-5 versioned families: "GPL-2" means that version only, "GPL-2+" that version or later; SPDX spells them
 * GPL-2.0-only / GPL-2.0-or-later.
 */
const VERSIONED = /^(GPL|LGPL|AGPL|GFDL)-(\d+(?:\.\d+)?)(\+)?$/i;

/** Maps one DEP-5 short name to an SPDX id where the correspondence is exact; otherwise returns it unchanged. */
export function normalizeDebianLicense(shortName: string): string {
  const s = shortName.trim();
  const v = VERSIONED.exec(s);
  if (v) {
    const family = (v[1] as string).toUpperCase();
    const version = (v[2] as string).includes('.') ? (v[2] as string) : `${v[2]}.0`;
    return `${family}-${version}-${v[3] ? 'or-later' : 'only'}`;
  }
  return SHORT_NAME_TO_SPDX[s.toLowerCase()] ?? s;
}

const LICENSE_FIELD = /^License:[ \t]*(.*)$/i;
const COMMON_LICENSES = /\/usr\/share\/common-licenses\/([A-Za-z0-9._+-]+)/g;

/** License ids of one copyright file, SPDX where possible, de-duplicated in order of first appearance. */
export function parseCopyright(input: string | Buffer): string[] {
  const text = typeof input === 'string' ? input.slice(0, COPYRIGHT_MAX_BYTES) : input.subarray(0, COPYRIGHT_MAX_BYTES).toString('utf8');
  const found = new Set<string>();
  const add = (raw: string): void => {
    // "GPL-2+ with OpenSSL exception": the exception adds a permission; the license is still the base one.
    const base = raw.replace(/[()]/g, '').replace(/\s+with\s+.*$/i, '').trim();
    // Free text is not an id: a DEP-5 short name has no spaces and is short.
    if (base === '' || /\s/.test(base) || base.length > 64) return;
    found.add(normalizeDebianLicense(base));
  };

  for (const rawLine of text.split('\n')) {
    const m = LICENSE_FIELD.exec(rawLine.replace(/\r$/, ''));
    if (!m) continue;
    for (const part of (m[1] as string).split(/\s+(?:or|and)\s+|\s*[,|]\s*/i)) add(part);
  }
  for (const m of text.matchAll(COMMON_LICENSES)) add((m[1] as string).replace(/\.+$/, ''));
  return [...found];
}
