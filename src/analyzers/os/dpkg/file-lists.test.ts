// dpkg file lists → ownership of language packages by Debian packages (issue 3: python3-*, lib*-java and the like
// are reported as owned by their deb so that the distribution's advisories apply to them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FileEntry } from '../../../core/index.js';
import type { Analyzer, Located, PackageDraft } from '../../analyzer.js';
import { LayerCollector, mergeLayers } from '../../layers.js';
import { analyzer as gem } from '../../lang/gem/index.js';
import { inspect } from '../../../scan/index.js';
import { shared } from '../../../../test/support/paths.js';
import { isLanguageEvidencePath } from '../owned-paths.js';
import { analyzer as release } from '../release/index.js';
import { analyzer, type DpkgFact } from './index.js';
import { MAX_KEPT_PATHS, parseDpkgFileList } from './parse-dpkg-file-list.js';

const file = (p: string, content: string | Buffer): FileEntry => {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  return { path: p, size: buf.length, mode: 0o100644, content: buf };
};

/** Facts of the dpkg analyzer over in-memory files, round-tripped through JSON like the layer cache. */
function facts(files: Record<string, string>): Located<DpkgFact>[] {
  const out: Located<DpkgFact>[] = [];
  for (const [p, text] of Object.entries(files)) {
    if (!analyzer.required(p)) continue;
    const fact = analyzer.analyze(file(p, text)) as DpkgFact | undefined;
    if (fact !== undefined) out.push({ path: p, layer: 0, fact: JSON.parse(JSON.stringify(fact)) as DpkgFact });
  }
  return out;
}

describe('parseDpkgFileList', () => {
  const all = (): boolean => true;
  test('.list: absolute paths, directories included, CRLF and blank lines tolerated', () => {
    const text = '/.\n/usr\n/usr/bin\n/usr/bin/foo\r\n\n/usr/share/doc/foo/copyright\n';
    assert.deepEqual(parseDpkgFileList(text, 'list', all), { paths: ['.', 'usr', 'usr/bin', 'usr/bin/foo', 'usr/share/doc/foo/copyright'], warnings: [] });
  });
  test('.list: only the paths the predicate keeps, odd paths normalised', () => {
    const text = '/usr\n/usr/bin\n/usr/bin/foo\n//usr//sbin/bar\n/usr/share/man/man1/foo.1.gz\n';
    assert.deepEqual(parseDpkgFileList(text, 'list', isLanguageEvidencePath).paths, ['usr/bin/foo', 'usr/sbin/bar']);
  });
  test('.md5sums: "<md5>  <path>" and binary-mode "<md5> *<path>"; other lines are counted in a warning', () => {
    const text = [
      'e11d70c96979a1328ae4e7e50542782b  usr/bin/foo',
      'e11d70c96979a1328ae4e7e50542782b *usr/bin/with space',
      'not a checksum line',
      'e11d70c96979a1328ae4e7e5054278  usr/bin/short-md5',
    ].join('\n');
    assert.deepEqual(parseDpkgFileList(text, 'md5sums', all), {
      paths: ['usr/bin/foo', 'usr/bin/with space'],
      warnings: ['2 line(s) not of the form "<md5>  <path>" were ignored'],
    });
  });
  test('the distroless corpus md5sums (syft-image-distroless-deb): every file, none of them language evidence', () => {
    const content = readFileSync(shared('pkgdb', 'dpkg', 'syft-image-distroless-deb', 'var', 'lib', 'dpkg', 'status.d', 'libsqlite3-0.md5sums'));
    // The six lines of the upstream fixture.
    assert.deepEqual(parseDpkgFileList(content, 'md5sums', all).paths, [
      'usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6',
      'usr/share/doc/libsqlite3-0/README.Debian',
      'usr/share/doc/libsqlite3-0/changelog.Debian.gz',
      'usr/share/doc/libsqlite3-0/changelog.gz',
      'usr/share/doc/libsqlite3-0/changelog.html.gz',
      'usr/share/doc/libsqlite3-0/copyright',
    ]);
    assert.ok(analyzer.required('var/lib/dpkg/status.d/libsqlite3-0.md5sums'));
    assert.equal(analyzer.analyze(file('var/lib/dpkg/status.d/libsqlite3-0.md5sums', content)), undefined);
  });
  test('hostile: a list of a million program paths keeps a bounded number, with a warning', () => {
    const text = Array.from({ length: MAX_KEPT_PATHS + 5 }, (_, i) => `/usr/bin/p${i}`).join('\n');
    const { paths, warnings } = parseDpkgFileList(text, 'list', isLanguageEvidencePath);
    assert.equal(paths.length, MAX_KEPT_PATHS);
    assert.deepEqual(warnings, [`5 more path(s) beyond the ${MAX_KEPT_PATHS}-path limit were ignored`]);
  });
  test('hostile: binary garbage yields nothing and does not throw', () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    assert.doesNotThrow(() => parseDpkgFileList(junk, 'list', isLanguageEvidencePath));
    assert.doesNotThrow(() => parseDpkgFileList(junk, 'md5sums', isLanguageEvidencePath));
  });
});

const stanza = (name: string, arch: string, version: string, status = 'install ok installed'): string =>
  `Package: ${name}\nStatus: ${status}\nArchitecture: ${arch}\nVersion: ${version}\n`;

/** A Debian image's dpkg database with the file lists of a few language-carrying packages. */
const DEBIAN: Record<string, string> = {
  'var/lib/dpkg/status': [
    stanza('python3-foo', 'all', '1.2-1'),
    stanza('libfoo-java', 'all', '2.0-3'),
    `${stanza('libc6', 'amd64', '2.36-9')}Multi-Arch: same\n`,
    `${stanza('libc6', 'i386', '2.36-9')}Multi-Arch: same\n`,
    stanza('golang-1.19-go', 'amd64', '1.19.8-2'),
    stanza('removed-pkg', 'all', '1.0', 'deinstall ok config-files'),
  ].join('\n'),
  'var/lib/dpkg/info/python3-foo.list': [
    '/.',
    '/usr',
    '/usr/lib/python3/dist-packages',
    '/usr/lib/python3/dist-packages/foo',
    '/usr/lib/python3/dist-packages/foo/__init__.py',
    '/usr/lib/python3/dist-packages/foo-1.2.dist-info',
    '/usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA',
    '/usr/lib/python3/dist-packages/foo-1.2.dist-info/RECORD',
    '/usr/share/doc/python3-foo/copyright',
    '/usr/bin/foo',
    '',
  ].join('\n'),
  'var/lib/dpkg/info/libfoo-java.list': '/usr/share/java/foo.jar\n/usr/share/java/foo-2.0.jar\n/usr/share/maven-repo/org/foo/foo/2.0/foo-2.0.pom\n',
  'var/lib/dpkg/info/libc6:amd64.list': '/usr/lib/x86_64-linux-gnu/libc.so.6\n/usr/libexec/getconf/POSIX_V6_LP64_OFF64\n/sbin/ldconfig\n',
  'var/lib/dpkg/info/libc6:i386.list': '/usr/lib/i386-linux-gnu/libc.so.6\n',
  'var/lib/dpkg/info/golang-1.19-go.list':
    '/usr/lib/go-1.19/bin/go\n/usr/lib/go-1.19/pkg/tool/linux_amd64/compile\n/usr/lib/go-1.19/src/fmt/print.go\n',
  // Config files only: the package is not installed, its list owns nothing.
  'var/lib/dpkg/info/removed-pkg.list': '/usr/bin/removed\n',
  // A list without any package at all.
  'var/lib/dpkg/info/ghost.list': '/usr/bin/ghost\n',
};

describe('dpkg ownedFiles from info/*.list', () => {
  const located = facts(DEBIAN);
  const out = analyzer.merge({ final: located, history: located, os: { family: 'debian', version: '12.5', id: 'debian' } });
  const purl = (name: string, arch?: string): string => {
    const p = (out.packages ?? []).find((x) => x.name === name && (arch === undefined || (x.metadata?.kind === 'dpkg' && x.metadata.arch === arch)));
    assert.ok(p, name);
    return p.purl;
  };

  test('facts keep only language evidence paths', () => {
    const byPath = new Map(located.map((l) => [l.path, l.fact]));
    assert.deepEqual(byPath.get('var/lib/dpkg/info/python3-foo.list'), {
      kind: 'files',
      paths: ['usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA', 'usr/bin/foo'],
    });
    // libc6:i386 has no such file: no fact at all.
    assert.equal(byPath.has('var/lib/dpkg/info/libc6:i386.list'), false);
  });

  test('every kept path maps to the purl the merge gives its package; arch-qualified lists to that arch', () => {
    assert.equal(purl('python3-foo'), 'pkg:deb/debian/python3-foo@1.2-1?arch=all&distro=debian-12');
    assert.deepEqual(out.ownedFiles, {
      'usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA': purl('python3-foo'),
      'usr/bin/foo': purl('python3-foo'),
      'usr/share/java/foo.jar': purl('libfoo-java'),
      'usr/share/java/foo-2.0.jar': purl('libfoo-java'),
      'usr/libexec/getconf/POSIX_V6_LP64_OFF64': purl('libc6', 'amd64'),
      'sbin/ldconfig': purl('libc6', 'amd64'),
      // merged-/usr alias of /sbin/ldconfig
      'usr/sbin/ldconfig': purl('libc6', 'amd64'),
      'usr/lib/go-1.19/bin/go': purl('golang-1.19-go'),
      'usr/lib/go-1.19/pkg/tool/linux_amd64/compile': purl('golang-1.19-go'),
    });
  });

  test('the package list itself is unchanged by the file lists', () => {
    const without = facts(Object.fromEntries(Object.entries(DEBIAN).filter(([p]) => !p.endsWith('.list'))));
    const plain = analyzer.merge({ final: without, history: without, os: { family: 'debian', version: '12.5', id: 'debian' } });
    assert.deepEqual(out.packages, plain.packages);
    assert.equal(plain.ownedFiles, undefined);
  });

  test('distroless: status.d/<name>.md5sums is the file list of the package in status.d/<name>', () => {
    const distroless = facts({
      // The control file's name need not be the package name.
      'var/lib/dpkg/status.d/foo': stanza('python3-foo', 'all', '1.2-1'),
      'var/lib/dpkg/status.d/foo.md5sums': 'e11d70c96979a1328ae4e7e50542782b  usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA\n',
      'var/lib/dpkg/status.d/libbar': stanza('libbar', 'amd64', '1.0-1'),
      'var/lib/dpkg/status.d/libbar.md5sums': 'e11d70c96979a1328ae4e7e50542782b  usr/share/java/bar.jar\n',
    });
    const res = analyzer.merge({ final: distroless, history: distroless });
    const byName = new Map((res.packages ?? []).map((p) => [p.name, p.purl]));
    assert.deepEqual(res.ownedFiles, {
      'usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA': byName.get('python3-foo'),
      'usr/share/java/bar.jar': byName.get('libbar'),
    });
  });
});

describe('ownership through the pipeline (mergeLayers)', () => {
  /** Stands in for the Python analyzer (not written yet): one package per dist-info METADATA, located there. */
  const stubPython: Analyzer<{ name: string; version: string }> = {
    id: 'stub-python',
    version: 1,
    kind: 'lang-pkg',
    coverage: [],
    required: (p) => p.endsWith('.dist-info/METADATA'),
    analyze: (f) => {
      const m = /^Name: (.+)\nVersion: (.+)$/m.exec(f.content.toString('utf8'));
      return m ? { name: m[1] as string, version: m[2] as string } : undefined;
    },
    merge: ({ final }) => ({
      packages: final.map(
        ({ path: p, fact }): PackageDraft => ({
          purl: `pkg:pypi/${fact.name}@${fact.version}`,
          type: 'pypi',
          name: fact.name,
          version: fact.version,
          licenses: [],
          locations: [p],
        }),
      ),
    }),
  };
  const list = [release, analyzer, stubPython];

  async function layer(files: Record<string, string>): Promise<ReturnType<LayerCollector['finish']>> {
    const c = new LayerCollector(list);
    for (const [p, text] of Object.entries(files)) if (c.wants(p)) await c.onFile(file(p, text));
    return c.finish({ whiteouts: [], opaqueDirs: [], shadowed: [] });
  }

  test('a dist-info installed by python3-foo is owned by it; one installed by pip is not', async () => {
    const base = await layer({
      ...DEBIAN,
      'etc/os-release': 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      'usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA': 'Metadata-Version: 2.1\nName: foo\nVersion: 1.2\n',
    });
    const pip = await layer({ 'usr/local/lib/python3.11/dist-packages/bar-3.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: bar\nVersion: 3.0\n' });
    const res = mergeLayers([base, pip], list);
    const byName = new Map(res.packages.map((p) => [p.name, p]));
    assert.equal(byName.get('foo')?.ownedBy, byName.get('python3-foo')?.purl);
    assert.match(byName.get('foo')?.ownedBy ?? '', /^pkg:deb\/debian\/python3-foo@1\.2-1\?arch=all&distro=debian-12$/);
    assert.equal(byName.get('bar')?.ownedBy, undefined);
  });

  test('a later layer that deletes the list (package purged) drops the ownership', async () => {
    const base = await layer({ ...DEBIAN, 'usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA': 'Name: foo\nVersion: 1.2\n' });
    const purge = { ...(await layer({})), whiteouts: ['var/lib/dpkg/info/python3-foo.list'] };
    const res = mergeLayers([base, purge], list);
    assert.equal(res.packages.find((p) => p.name === 'foo')?.ownedBy, undefined);
  });
});

/**
 * This machine's own dpkg database (Debian 12 in CI, which installs ruby-rack and python3-blinker for this test):
 * ownership must agree with `dpkg-query -S` (which package owns a path) and `dpkg-query -L` (a package's files).
 */
describe('dpkg file lists of this machine', () => {
  const INFO = '/var/lib/dpkg/info';
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-dpkg-lists-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function hostFacts(): Located<DpkgFact>[] {
    const out: Located<DpkgFact>[] = [];
    const paths = ['var/lib/dpkg/status', ...readdirSync(INFO).map((n) => `var/lib/dpkg/info/${n}`)];
    for (const p of paths) {
      if (!analyzer.required(p)) continue;
      const fact = analyzer.analyze(file(p, readFileSync(`/${p}`))) as DpkgFact | undefined;
      if (fact !== undefined) out.push({ path: p, layer: 0, fact });
    }
    return out;
  }

  test('python3-* dist-info / egg-info metadata: owner = dpkg-query -S, files = dpkg-query -L (filtered)', () => {
    assert.ok(existsSync(INFO), 'this test needs a Debian host (no /var/lib/dpkg/info)');
    const located = hostFacts();
    const out = analyzer.merge({ final: located, history: located });
    const owned = out.ownedFiles ?? {};
    const pkgs = (out.packages ?? []).filter((p) => p.name.startsWith('python3-'));
    const pythonMetadata = (p: string): boolean => /-packages\/[^/]+\.(?:dist-info\/METADATA|egg-info\/PKG-INFO)$/.test(p);

    let checked = 0;
    for (const p of pkgs) {
      const arch = p.metadata?.kind === 'dpkg' ? p.metadata.arch : '';
      const listed = execFileSync('dpkg-query', ['-L', `${p.name}:${arch}`], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.startsWith('/'))
        .map((l) => l.slice(1))
        .filter(isLanguageEvidencePath);
      for (const f of listed) assert.equal(owned[f], p.purl, `${f} (dpkg -L ${p.name})`);
      checked += listed.filter(pythonMetadata).length;
    }
    assert.ok(checked > 0, 'no python3-* package with dist-info/egg-info metadata is installed (CI installs python3-blinker)');

    const metadataPaths = Object.keys(owned).filter((f) => pythonMetadata(f) && f.startsWith('usr/lib/python3/dist-packages/'));
    const search = execFileSync('dpkg-query', ['-S', ...metadataPaths.map((f) => `/${f}`)], { encoding: 'utf8' });
    const ownerNames = new Map<string, string>();
    for (const line of search.split('\n')) {
      const m = /^([^\s:,]+)(?::[^\s:,]+)?: (\/.+)$/.exec(line);
      if (m) ownerNames.set((m[2] as string).slice(1), m[1] as string);
    }
    const purlToName = new Map((out.packages ?? []).map((p) => [p.purl, p.name]));
    for (const f of metadataPaths) assert.equal(purlToName.get(owned[f] ?? ''), ownerNames.get(f), f);
    assert.ok(metadataPaths.length >= checked);
  });

  test('the real ruby-rack gemspec is reported by the gem analyzer as owned by the ruby-rack deb (dir: scan)', async () => {
    const list = `${INFO}/ruby-rack.list`;
    assert.ok(existsSync(list), 'this test needs the Debian package ruby-rack (apt-get install -y ruby-rack)');
    const gemspec = readFileSync(list, 'utf8')
      .split('\n')
      .find((l) => /\/specifications\/rack-[^/]+\.gemspec$/.test(l));
    assert.ok(gemspec, 'ruby-rack lists its gemspec');
    const root = path.join(tmp, 'rootfs');
    const put = (rel: string, content: Buffer): void => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), content);
    };
    put('var/lib/dpkg/status', readFileSync('/var/lib/dpkg/status'));
    put('var/lib/dpkg/info/ruby-rack.list', readFileSync(list));
    put('etc/os-release', readFileSync('/etc/os-release'));
    put(gemspec.slice(1), readFileSync(gemspec));

    const doc = await inspect(`dir:${root}`, { cacheDir: false, analyzers: [release, analyzer, gem] });
    const rackDeb = doc.packages.find((p) => p.type === 'deb' && p.name === 'ruby-rack');
    const rackGem = doc.packages.find((p) => p.type === 'gem' && p.name === 'rack');
    assert.ok(rackDeb && rackGem);
    assert.deepEqual(rackGem.locations, [gemspec.slice(1)]);
    assert.equal(rackGem.ownedBy, rackDeb.purl);
    assert.match(rackDeb.purl, /^pkg:deb\/debian\/ruby-rack@/);
    // Nothing else in that tree is a language package, and no OS package claims to be owned.
    assert.deepEqual(
      doc.packages.filter((p) => p.ownedBy !== undefined).map((p) => p.purl),
      [rackGem.purl],
    );
  });
});
