/**
 * Parser for Bundler lockfiles (`Gemfile.lock`, `gems.locked`), following Bundler's LockfileParser
 * (bundler lib/bundler/lockfile_parser.rb): section headers at column 0; source sections (GEM, GIT, PATH,
 * PLUGIN SOURCE) hold `remote:`/`revision:` options and a `specs:` list where each gem is at 4 spaces,
 * `name (version[-platform])`, and its dependencies at 6 spaces, `name (requirements)`; DEPENDENCIES lists the
 * Gemfile's direct dependencies at 2 spaces (`name!` = pinned to a GIT/PATH source); PLATFORMS, RUBY VERSION,
 * BUNDLED WITH and CHECKSUMS carry no packages. Unknown sections are ignored, so a stray 4-space line outside a
 * source section is never taken for a gem.
 */

export type GemSource = 'GEM' | 'GIT' | 'PATH' | 'PLUGIN SOURCE';

export interface GemLockSpec {
  name: string;
  /** The version without the platform suffix (Bundler splits `1.13.6-x86_64-linux` at the first `-`). */
  version: string;
  platform?: string;
  source: GemSource;
  /** The section's `remote:` (a gem server URL, git URL or local path). */
  remote?: string;
  /** Names of the gems this one depends on (6-space lines), in file order. */
  dependencies: string[];
}

export interface GemfileLock {
  specs: GemLockSpec[];
  /** DEPENDENCIES: the Gemfile's direct dependencies (names, `!` removed). */
  direct: string[];
  platforms: string[];
  bundledWith?: string;
  rubyVersion?: string;
  warnings: string[];
}

const SOURCES: readonly string[] = ['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE'];
const MAX_WARNINGS = 20;

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** `name (inner)` or `name`; undefined when malformed. */
function nameAndParens(s: string): { name: string; inner?: string } | undefined {
  const open = s.indexOf(' (');
  if (open === -1) {
    const name = s.trim();
    return name === '' || name.includes(' ') ? undefined : { name };
  }
  if (!s.endsWith(')')) return undefined;
  const name = s.slice(0, open);
  if (name === '' || name.includes(' ')) return undefined;
  return { name, inner: s.slice(open + 2, -1) };
}

export function parseGemfileLock(input: string | Buffer): GemfileLock {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const out: GemfileLock = { specs: [], direct: [], platforms: [], warnings: [] };
  let dropped = 0;
  const warn = (msg: string): void => {
    if (out.warnings.length < MAX_WARNINGS) out.warnings.push(msg);
    else dropped++;
  };

  let section = '';
  let remote: string | undefined;
  let inSpecs = false;
  let current: GemLockSpec | undefined;
  // Sets beside the arrays keep a hostile file (one gem with 100k dependency lines) linear.
  let currentDeps = new Set<string>();
  const direct = new Set<string>();
  let lineNo = 0;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    const indent = indentOf(line);
    const body = line.slice(indent);

    if (indent === 0) {
      section = line.trimEnd();
      remote = undefined;
      inSpecs = false;
      current = undefined;
      continue;
    }
    if (SOURCES.includes(section)) {
      if (indent === 2) {
        current = undefined;
        inSpecs = body === 'specs:';
        if (body.startsWith('remote: ')) remote = body.slice('remote: '.length).trim();
        continue;
      }
      if (!inSpecs) continue;
      if (indent === 4) {
        const parsed = nameAndParens(body);
        if (!parsed || parsed.inner === undefined || parsed.inner === '') {
          warn(`line ${lineNo}: cannot read gem spec ${JSON.stringify(body.slice(0, 100))}`);
          current = undefined;
          continue;
        }
        const dash = parsed.inner.indexOf('-');
        const version = dash === -1 ? parsed.inner : parsed.inner.slice(0, dash);
        const platform = dash === -1 ? undefined : parsed.inner.slice(dash + 1);
        current = {
          name: parsed.name,
          version,
          ...(platform ? { platform } : {}),
          source: section as GemSource,
          ...(remote !== undefined ? { remote } : {}),
          dependencies: [],
        };
        out.specs.push(current);
        currentDeps = new Set();
        continue;
      }
      if (indent === 6 && current) {
        const parsed = nameAndParens(body);
        if (parsed && !currentDeps.has(parsed.name)) {
          currentDeps.add(parsed.name);
          current.dependencies.push(parsed.name);
        } else if (!parsed) warn(`line ${lineNo}: cannot read dependency ${JSON.stringify(body.slice(0, 100))}`);
      }
      continue;
    }
    if (section === 'DEPENDENCIES' && indent === 2) {
      const parsed = nameAndParens(body);
      if (!parsed) {
        warn(`line ${lineNo}: cannot read dependency ${JSON.stringify(body.slice(0, 100))}`);
        continue;
      }
      const name = parsed.name.endsWith('!') ? parsed.name.slice(0, -1) : parsed.name;
      if (!direct.has(name)) {
        direct.add(name);
        out.direct.push(name);
      }
    } else if (section === 'PLATFORMS' && indent === 2) {
      out.platforms.push(body.trim());
    } else if (section === 'BUNDLED WITH') {
      out.bundledWith = body.trim();
    } else if (section === 'RUBY VERSION') {
      out.rubyVersion = body.trim();
    }
  }
  if (dropped) out.warnings.push(`${dropped} more warnings not shown`);
  return out;
}
