/**
 * JAR manifest (META-INF/MANIFEST.MF) parsing, per the JAR File Specification
 * (https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html#jar-manifest):
 *
 *   - lines end in CRLF, LF or a lone CR;
 *   - a line starting with a single SPACE continues the previous header: that one space is removed and the rest is
 *     appended as is (writers fold at 72 bytes, possibly in the middle of a word or right before a space, so
 *     trimming more would corrupt values — java.util.jar.Attributes removes exactly one);
 *   - blank lines separate the main section from the per-entry sections.
 *
 * Real manifests are messier than the grammar; like Syft's reader, lines without a colon, empty header names and
 * continuations with nothing to continue are skipped rather than rejected, and a run of blank lines is one break.
 */

export type ManifestSection = [key: string, value: string][];

export interface Manifest {
  /** Main attributes, in file order. */
  main: ManifestSection;
  /** Per-entry sections (usually starting with `Name:`), in file order. */
  sections: ManifestSection[];
}

export function parseManifest(input: Buffer | string): Manifest {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const sections: ManifestSection[] = [];
  // Whether the current section has received a header: a blank line closes it, the next header opens a new one.
  let open = false;
  let last: [string, string] | undefined;
  let pos = 0;
  const n = text.length;
  while (pos <= n) {
    let end = pos;
    while (end < n && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
    const line = text.slice(pos, end);
    // Advance over CRLF, LF or CR.
    if (end < n && text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10) pos = end + 2;
    else pos = end + 1;
    if (line === '') {
      open = false;
      last = undefined;
      if (end >= n) break;
      continue;
    }
    if (line.charCodeAt(0) === 32) {
      if (last) last[1] += line.slice(1);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim();
    if (key === '') continue;
    // The grammar is "name: value" with exactly one space; values written with more (or none) are accepted. Only
    // the start is trimmed here: a folded value may end its first line with a meaningful space.
    const header: [string, string] = [key, line.slice(colon + 1).trimStart()];
    if (!open) {
      sections.push([]);
      open = true;
    }
    sections[sections.length - 1]!.push(header);
    last = header;
  }
  // Values are compared trimmed (writers differ in trailing blanks).
  for (const s of sections) for (const h of s) h[1] = h[1].trim();
  return { main: sections[0] ?? [], sections: sections.slice(1) };
}

/** A main-section attribute; header names are case-insensitive (JAR spec, "Name-Value pairs and Sections"). */
export function manifestValue(manifest: Manifest, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of manifest.main) if (k.toLowerCase() === lower && v !== '') return v;
  return undefined;
}
