// Cross-check against the real rpm (Debian package `rpm`, which CI must install): every header our readers decode
// must match what `rpm -qa --queryformat` prints for the same database. rpm reads copies in a temporary directory,
// never the corpus files. Debian's rpm reads BerkeleyDB (bdb_ro) and SQLite; it is built without NDB, so the NDB
// reader is checked by the corpus test only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shared } from '../../../../test/support/paths.js';
import { isLanguageEvidencePath } from '../owned-paths.js';
import { analyzer, type RpmFact, type RpmRecord } from './index.js';

const FIELDS = ['NAME', 'EPOCH', 'VERSION', 'RELEASE', 'ARCH', 'LICENSE', 'SOURCERPM', 'VENDOR', 'LONGSIZE', 'MODULARITYLABEL'] as const;

let work = '';
before(() => {
  try {
    execFileSync('rpm', ['--version'], { stdio: 'pipe' });
  } catch (cause) {
    throw new Error('this test needs the rpm tool (Debian package "rpm": apt-get install -y rpm)', { cause });
  }
  work = mkdtempSync(path.join(tmpdir(), 'tollgate-rpm-'));
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function rpm(args: string[]): string {
  // HOME points into the scratch directory so that rpm never touches ~/.rpmdb or ~/.rpmmacros.
  return execFileSync('rpm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: work } });
}

/**
 * `rpm -qa` of a database directory, as records shaped like ours ("(none)" = absent), gpg-pubkey left out. The
 * files are rpm's FILENAMES, filtered by the predicate the analyzer applies (the filter is what is under test
 * elsewhere; here it is rpm's path reconstruction that the reader must agree with).
 */
function rpmQuery(dbpath: string, backend: 'bdb_ro' | 'sqlite'): RpmRecord[] {
  const db = ['--dbpath', dbpath, '--define', `_db_backend ${backend}`];
  const files = new Map<string, string[]>();
  // %{=TAG} repeats a scalar tag on every line of the FILENAMES iteration.
  const fileLines = rpm([...db, '-qa', '--queryformat', '[%{=NAME}\\t%{=ARCH}\\t%{=VERSION}-%{=RELEASE}\\t%{FILENAMES}\\n]']);
  for (const line of fileLines.split('\n').filter(Boolean)) {
    const [name, arch, vr, file] = line.split('\t') as [string, string, string, string];
    const p = file.replace(/^\/+/, '');
    if (!isLanguageEvidencePath(p)) continue;
    const k = `${name}\t${arch}\t${vr}`;
    files.set(k, [...(files.get(k) ?? []), p]);
  }
  const qf = FIELDS.map((f) => `%{${f}}`).join('\\t') + '\\n';
  const out = rpm([...db, '-qa', '--queryformat', qf]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, epoch, version, release, arch, license, sourceRpm, vendor, size, modularityLabel] = line.split('\t');
      const r: RpmRecord = { name: name!, version: version!, release: release! };
      const set = <K extends keyof RpmRecord>(k: K, v: string | undefined, conv: (s: string) => RpmRecord[K]): void => {
        if (v !== undefined && v !== '(none)') r[k] = conv(v);
      };
      set('epoch', epoch, Number);
      set('arch', arch, String);
      set('license', license, String);
      set('vendor', vendor, String);
      set('sourceRpm', sourceRpm, String);
      set('size', size, Number);
      set('modularityLabel', modularityLabel, String);
      const kept = files.get(`${name}\t${arch}\t${version}-${release}`);
      if (kept) r.files = kept;
      return r;
    })
    .filter((r) => r.name !== 'gpg-pubkey');
}

async function ours(file: string, imagePath: string): Promise<RpmRecord[]> {
  const content = readFileSync(file);
  const fact = (await analyzer.analyze({ path: imagePath, size: content.length, mode: 0o100644, content })) as RpmFact;
  assert.deepEqual(fact.warnings, []);
  return fact.packages;
}

const sortKey = (r: RpmRecord): string => JSON.stringify([r.name, r.arch ?? '', r.version, r.release]);
const sorted = (rs: RpmRecord[]): RpmRecord[] => [...rs].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));

describe('rpm analyzer agrees with rpm -qa', () => {
  const corpus = shared('pkgdb', 'rpm');
  const dbs: [string, string, 'bdb_ro' | 'sqlite'][] = [
    ['gorpmdb-bdb-libuuid', 'var/lib/rpm/Packages', 'bdb_ro'],
    ['scalibr-bdb-epoch', 'var/lib/rpm/Packages', 'bdb_ro'],
    ['syft-bdb-dive', 'var/lib/rpm/Packages', 'bdb_ro'],
    ['gorpmdb-sqlite-mariner2', 'var/lib/rpm/rpmdb.sqlite', 'sqlite'],
  ];
  for (const [name, rel, backend] of dbs) {
    test(`corpus ${name} (${backend})`, async () => {
      const dir = path.join(work, name);
      mkdirSync(dir);
      copyFileSync(path.join(corpus, name, rel), path.join(dir, path.basename(rel)));
      const want = rpmQuery(dir, backend);
      assert.ok(want.length > 0);
      assert.deepEqual(sorted(await ours(path.join(corpus, name, rel), rel)), sorted(want));
    });
  }

  test('packages built with rpmbuild and installed into a fresh SQLite rpmdb', async () => {
    const top = path.join(work, 'build');
    const specs: { spec: string; target?: string }[] = [
      {
        spec: `Name: tg-multi-dash-name\nVersion: 1.2.3\nRelease: 4.el9\nEpoch: 2\nLicense: GPLv2+ and (MIT or BSD)\nVendor: Tollgate Test\nModularityLabel: perl:5.30:8030020200:abcdef\nBuildArch: noarch\n`,
      },
      { spec: `Name: tg-epoch-zero\nVersion: 0.1~rc1\nRelease: 1%{?dist}\nEpoch: 0\nLicense: MIT\n`, target: 'x86_64' },
      { spec: `Name: tg-multilib\nVersion: 3.0\nRelease: 7\nLicense: BSD-3-Clause\n`, target: 'x86_64' },
      { spec: `Name: tg-multilib\nVersion: 3.0\nRelease: 7\nLicense: BSD-3-Clause\n`, target: 'i686' },
    ];
    const rpms: string[] = [];
    specs.forEach(({ spec, target }, i) => {
      const file = path.join(work, `p${i}.spec`);
      writeFileSync(file, `${spec}Summary: test\n%description\nTollgate rpm reader test package.\n%files\n`);
      const args = ['--define', `_topdir ${top}`, '--define', '_rpmdir %{_topdir}/out', '-bb', file];
      execFileSync('rpmbuild', target ? [...args, '--target', target] : args, {
        stdio: 'pipe',
        env: { ...process.env, HOME: work },
      });
    });
    for (const arch of readdirSync(path.join(top, 'out'))) {
      for (const f of readdirSync(path.join(top, 'out', arch))) rpms.push(path.join(top, 'out', arch, f));
    }
    assert.equal(rpms.length, 4);
    const db = path.join(work, 'rpmdb');
    mkdirSync(db);
    rpm(['--dbpath', db, '--define', '_db_backend sqlite', '--initdb']);
    rpm(['--dbpath', db, '--define', '_db_backend sqlite', '-i', '--justdb', '--nodeps', '--ignorearch', '--ignoreos', '--noscripts', ...rpms]);

    const want = rpmQuery(db, 'sqlite');
    assert.equal(want.length, 4);
    const got = await ours(path.join(db, 'rpmdb.sqlite'), 'usr/lib/sysimage/rpm/rpmdb.sqlite');
    assert.deepEqual(sorted(got), sorted(want));

    // And through merge: the multilib pair stays two packages, epoch 0 is kept.
    const content = readFileSync(path.join(db, 'rpmdb.sqlite'));
    const fact = (await analyzer.analyze({ path: 'var/lib/rpm/rpmdb.sqlite', size: content.length, mode: 0o100644, content }))!;
    const located = [{ path: 'var/lib/rpm/rpmdb.sqlite', layer: 0, fact }];
    const out = analyzer.merge({ final: located, history: located, os: { family: 'fedora', version: '40' } });
    const versions = (out.packages ?? []).map((p) => p.purl).sort();
    assert.deepEqual(versions, [
      'pkg:rpm/fedora/tg-epoch-zero@0.1~rc1-1?arch=x86_64&distro=fedora-40&epoch=0',
      'pkg:rpm/fedora/tg-multi-dash-name@1.2.3-4.el9?arch=noarch&distro=fedora-40&epoch=2',
      'pkg:rpm/fedora/tg-multilib@3.0-7?arch=i686&distro=fedora-40',
      'pkg:rpm/fedora/tg-multilib@3.0-7?arch=x86_64&distro=fedora-40',
    ]);
  });

  test('a package with real files (rpmbuild): kept files = rpm -ql filtered, owned by that package after merge', async () => {
    const top = path.join(work, 'build-files');
    const spec = path.join(work, 'files.spec');
    // Files of the kinds a distribution package carries: Python metadata, a jar, a program, and docs (dropped).
    const files = [
      '/usr/lib/python3.12/site-packages/tgfoo-1.0.dist-info/METADATA',
      '/usr/lib/python3.12/site-packages/tgfoo/__init__.py',
      '/usr/share/java/tgfoo.jar',
      '/usr/bin/tgfoo',
      '/usr/share/doc/tgfoo/README',
    ];
    writeFileSync(
      spec,
      [
        'Name: python3-tgfoo',
        'Version: 1.0',
        'Release: 1',
        'License: MIT',
        'BuildArch: noarch',
        'Summary: test',
        '%description',
        'Tollgate file-list test package.',
        '%install',
        ...files.map((f) => `mkdir -p %{buildroot}${path.posix.dirname(f)} && echo x > %{buildroot}${f}`),
        '%files',
        ...files,
        '',
      ].join('\n'),
    );
    execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_rpmdir %{_topdir}/out', '--define', '__os_install_post %{nil}', '-bb', spec], {
      stdio: 'pipe',
      env: { ...process.env, HOME: work },
    });
    const built = path.join(top, 'out', 'noarch', 'python3-tgfoo-1.0-1.noarch.rpm');
    const db = path.join(work, 'rpmdb-files');
    mkdirSync(db);
    rpm(['--dbpath', db, '--define', '_db_backend sqlite', '--initdb']);
    rpm(['--dbpath', db, '--define', '_db_backend sqlite', '-i', '--justdb', '--nodeps', '--noscripts', built]);

    const listed = rpm(['--dbpath', db, '--define', '_db_backend sqlite', '-ql', 'python3-tgfoo']).split('\n').filter(Boolean);
    assert.deepEqual([...listed].sort(), [...files].sort(), 'rpm -ql lists what the spec installed');
    const want = listed.map((f) => f.slice(1)).filter(isLanguageEvidencePath);
    assert.deepEqual(want.sort(), ['usr/bin/tgfoo', 'usr/lib/python3.12/site-packages/tgfoo-1.0.dist-info/METADATA', 'usr/share/java/tgfoo.jar']);

    const content = readFileSync(path.join(db, 'rpmdb.sqlite'));
    const fact = (await analyzer.analyze({ path: 'var/lib/rpm/rpmdb.sqlite', size: content.length, mode: 0o100644, content })) as RpmFact;
    assert.deepEqual(fact.warnings, []);
    assert.deepEqual([...(fact.packages[0]?.files ?? [])].sort(), want);
    const located = [{ path: 'var/lib/rpm/rpmdb.sqlite', layer: 0, fact }];
    const out = analyzer.merge({ final: located, history: located, os: { family: 'fedora', version: '40', id: 'fedora' } });
    const purl = out.packages?.[0]?.purl;
    assert.equal(purl, 'pkg:rpm/fedora/python3-tgfoo@1.0-1?arch=noarch&distro=fedora-40');
    assert.deepEqual(out.ownedFiles, Object.fromEntries(want.map((f) => [f, purl])));
  });
});
