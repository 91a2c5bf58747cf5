/**
 * Which files of an OS package's file list are worth remembering: those that can be the evidence (a location) of a
 * language package, so that the pipeline can mark that language package as owned by the OS package (Debian's
 * python3-*, lib*-java, golang-*; Fedora's python3-*; Alpine's py3-*). Everything else (headers, man pages,
 * shared libraries, data) is dropped at analyze time: OS file lists are large (a Debian image's
 * var/lib/dpkg/info/*.list files hold tens of thousands of paths) and facts are cached per layer as JSON.
 *
 * This file sits beside the os/<ecosystem> folders on purpose: it is shared by them and is not an analyzer.
 */

/**
 * A `bin`, `sbin` or `libexec` directory anywhere above the file, or the Go toolchain's $GOROOT/pkg/tool/<os_arch>/
 * (Debian: usr/lib/go-1.NN/pkg/tool): where compiled programs (Go, Rust) live. One linear regex (no nested
 * quantifiers) is cheaper than a substring search per directory name.
 */
const PROGRAM_DIR = /(?:^|\/)(?:s?bin|libexec|pkg\/tool)\//;

/** Whether `dir` (ending with "/") is a whole segment of `path`. */
function hasSegment(path: string, dir: string): boolean {
  return path.startsWith(dir) || path.includes(`/${dir}`);
}

function isPythonMetadata(path: string): boolean {
  if (!(path.endsWith('.dist-info/METADATA') || path.endsWith('.egg-info/PKG-INFO') || path.endsWith('.egg-info'))) return false;
  return path.includes('site-packages/') || path.includes('dist-packages/');
}

function isPackageJson(path: string): boolean {
  if (!path.endsWith('/package.json')) return false;
  // node_modules trees; Debian's node-* packages install under usr/share/nodejs and usr/lib/nodejs instead.
  return hasSegment(path, 'node_modules/') || path.startsWith('usr/share/nodejs/') || path.startsWith('usr/lib/nodejs/');
}

function isGemspec(path: string): boolean {
  // specifications/<gem>.gemspec and RubyGems' default gems under specifications/default/.
  return path.endsWith('.gemspec') && hasSegment(path, 'specifications/');
}

function isProgram(path: string): boolean {
  // The path does not end with "/", so a matched directory segment is always above the file.
  return PROGRAM_DIR.test(path);
}

/**
 * True for an image path (no leading slash) that a language analyzer may report as a package location:
 * Python `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and single-file `*.egg-info` in site-packages /
 * dist-packages; Java archives (`.jar`, `.war`, `.ear`, `.par`); `package.json` under node_modules (and Debian's
 * usr/share/nodejs, usr/lib/nodejs); `specifications/**.gemspec`; `vendor/composer/installed.json`; `*.deps.json`;
 * and any file below a `bin`, `sbin` or `libexec` directory or the Go toolchain's `pkg/tool` (compiled Go and
 * Rust programs: the mode bits are not in the file lists, so every file there is kept).
 */
export function isLanguageEvidencePath(path: string): boolean {
  const n = path.length;
  if (n === 0) return false;
  // Dispatch on the last character: this runs for every file of every OS package's file list.
  switch (path.charCodeAt(n - 1)) {
    case 0x2f: // "/": a directory
      return false;
    case 0x72: // "r"
      if (path.endsWith('.jar') || path.endsWith('.war') || path.endsWith('.ear') || path.endsWith('.par')) return true;
      break;
    case 0x6e: // "n"
      if (path.endsWith('.json')) {
        if (path.endsWith('.deps.json') || isPackageJson(path)) return true;
        if (path === 'vendor/composer/installed.json' || path.endsWith('/vendor/composer/installed.json')) return true;
      }
      break;
    case 0x6f: // "o": single-file .egg-info
      if (path.endsWith('.egg-info') && isPythonMetadata(path)) return true;
      break;
    case 0x41: // "A": METADATA
    case 0x4f: // "O": PKG-INFO
      if (isPythonMetadata(path)) return true;
      break;
    case 0x63: // "c": .gemspec
      if (isGemspec(path)) return true;
      break;
  }
  return isProgram(path);
}

/**
 * Normalises a path as an OS database writes it (dpkg: "/usr/bin/x", rpm: "/usr/bin/x", apk: "usr/bin/x",
 * distroless md5sums: "usr/bin/x") to the walker's form: no leading "/" or "./", no "//".
 */
export function normalizeOwnedPath(raw: string): string {
  let p = raw;
  while (p.startsWith('/') || p.startsWith('./')) p = p.startsWith('/') ? p.slice(1) : p.slice(2);
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/');
  return p;
}

/** Top-level directories that merged-/usr systems make symlinks into usr/ (bin -> usr/bin, lib -> usr/lib…). */
const USR_MERGED = ['bin/', 'sbin/', 'lib/', 'lib32/', 'lib64/', 'libx32/'];

/**
 * Records `path` as owned by `purl` unless another package already owns it (first owner wins: callers iterate in
 * a deterministic order). On a merged-/usr image a package that ships /bin/x (Debian still lists its files as
 * shipped, e.g. "/bin/bash") has the file at usr/bin/x in the layer tar, so the usr/ alias is recorded too, again
 * without displacing a real entry.
 */
export function addOwnedPath(owned: Map<string, string>, path: string, purl: string): void {
  if (!owned.has(path)) owned.set(path, purl);
  for (const top of USR_MERGED) {
    if (path.startsWith(top)) {
      const alias = `usr/${path}`;
      if (!owned.has(alias)) owned.set(alias, purl);
      break;
    }
  }
}
