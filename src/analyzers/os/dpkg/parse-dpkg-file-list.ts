/**
 * Parser for dpkg's per-package file lists: var/lib/dpkg/info/<pkg>[:<arch>].list (one absolute path per line,
 * directories included: dpkg's `--listfiles` database, dpkg src/main/filesdb.c) and `<pkg>.md5sums` (one
 * "<md5>  <path>" line per regular file, the path relative to /: dh_md5sums, deb-md5sums(5)), which distroless
 * images keep in var/lib/dpkg/status.d/ instead of a .list file.
 *
 * Only the paths `keep` accepts are returned (OS file lists are large and the result is cached), normalised to the
 * walker's form (no leading "/").
 */
import { normalizeOwnedPath } from '../owned-paths.js';

export type DpkgFileListFormat = 'list' | 'md5sums';

export interface DpkgFileListParse {
  paths: string[];
  warnings: string[];
}

/** More kept paths than any real package has (Debian's largest packages list ~50k files in total). */
export const MAX_KEPT_PATHS = 20_000;

const MD5SUMS_LINE = /^[0-9a-fA-F]{32} [ *]./;

export function parseDpkgFileList(input: string | Buffer, format: DpkgFileListFormat, keep: (path: string) => boolean): DpkgFileListParse {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const paths: string[] = [];
  const warnings: string[] = [];
  let malformed = 0;
  let dropped = 0;
  const len = text.length;
  let pos = 0;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = len;
    let start = pos;
    const stop = end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    pos = end + 1;
    if (stop === start) continue;
    if (format === 'md5sums') {
      // "<32 hex digits><two spaces, or space + '*' for binary mode><path>" (md5sum(1) output format).
      const m = MD5SUMS_LINE.exec(text.slice(start, stop));
      if (!m) {
        malformed++;
        continue;
      }
      start += 34;
    }
    // This loop runs for every file of every package (~150k lines on a desktop Debian): strip the leading "/"
    // in place, filter, and normalise fully (then filter again) only the kept paths.
    while (start < stop && text.charCodeAt(start) === 0x2f) start++;
    let path = text.slice(start, stop);
    if (!keep(path)) continue;
    if (path.startsWith('./') || path.includes('//')) {
      path = normalizeOwnedPath(path);
      if (path === '' || !keep(path)) continue;
    }
    if (paths.length >= MAX_KEPT_PATHS) {
      dropped++;
      continue;
    }
    paths.push(path);
  }
  if (malformed > 0) warnings.push(`${malformed} line(s) not of the form "<md5>  <path>" were ignored`);
  if (dropped > 0) warnings.push(`${dropped} more path(s) beyond the ${MAX_KEPT_PATHS}-path limit were ignored`);
  return { paths, warnings };
}
