// The rpm analyzer against the shared pkgdb corpus (real databases from go-rpmdb, Syft and osv-scalibr, with the
// peers' expected results), driven through required/analyze/merge as the pipeline drives it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PackageURL } from 'packageurl-js';
import type { FileEntry, OperatingSystem, RpmMetadata } from '../../../core/index.js';
import type { Located, PackageDraft } from '../../analyzer.js';
import { shared } from '../../../../test/support/paths.js';
import { analyzer, splitSourceRpm, type RpmFact } from './index.js';

interface ExpectedPackage {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch: string;
  srcName?: string;
  srcVersion?: string;
  srcRelease?: string;
  sourceRpm?: string;
  licenses?: string[];
  purl?: string;
}
interface ExpectedCase {
  complete: boolean;
  backend: 'bdb' | 'ndb' | 'sqlite';
  packageCount?: number;
  packages: ExpectedPackage[];
}

const corpus = shared('pkgdb', 'rpm');
const cases = readdirSync(corpus).sort();

/** Every image file of a case folder (everything but expected.json), as normalised image paths. */
function imageFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const p = rel ? `${rel}/${name}` : name;
    if (p === 'expected.json') return [];
    return statSync(path.join(dir, p)).isDirectory() ? imageFiles(dir, p) : [p];
  });
}

function entry(dir: string, p: string): FileEntry {
  const content = readFileSync(path.join(dir, p));
  return { path: p, size: content.length, mode: 0o100644, content };
}

async function analyzeCase(name: string, layer = 0): Promise<Located<RpmFact>[]> {
  const dir = path.join(corpus, name);
  const out: Located<RpmFact>[] = [];
  for (const p of imageFiles(dir)) {
    assert.ok(analyzer.required(p), `required(${p})`);
    const fact = await analyzer.analyze(entry(dir, p));
    assert.ok(fact, `a fact for ${p}`);
    out.push({ path: p, layer, fact });
  }
  return out;
}

const keyOf = (n: string, e: number | undefined, v: string, r: string, a: string): string => JSON.stringify([n, e ?? null, v, r, a]);
const metaOf = (p: PackageDraft): RpmMetadata => {
  assert.equal(p.metadata?.kind, 'rpm');
  return p.metadata as RpmMetadata;
};
const draftKey = (p: PackageDraft): string => {
  const m = metaOf(p);
  return keyOf(p.name, m.epoch, m.version, m.release, m.arch);
};
/** Lenient license comparison (pkgdb README): case and whitespace are not significant. */
const normLicense = (l: string): string => l.toLowerCase().replace(/\s+/g, ' ').trim();

const rocky: OperatingSystem = { family: 'rocky', version: '9.3', id: 'rocky' };

describe('rpm analyzer: pkgdb corpus', () => {
  assert.ok(cases.length >= 5, `rpm cases under ${corpus}`);
  for (const name of cases) {
    test(name, async () => {
      const expected = JSON.parse(readFileSync(path.join(corpus, name, 'expected.json'), 'utf8')) as ExpectedCase;
      const located = await analyzeCase(name);
      assert.deepEqual(
        located.map((l) => l.fact.backend),
        [expected.backend],
      );
      for (const l of located) {
        assert.deepEqual(l.fact.warnings, []);
        assert.deepEqual(JSON.parse(JSON.stringify(l.fact)), l.fact, 'facts are JSON-serialisable');
      }
      const out = analyzer.merge({ final: located, history: located, os: rocky });
      const packages = out.packages ?? [];
      const byKey = new Map(packages.map((p) => [draftKey(p), p]));
      assert.equal(byKey.size, packages.length, 'one package per (name, epoch, version, release, arch)');

      const want = expected.packages.map((e) => keyOf(e.name, e.epoch, e.version, e.release, e.arch));
      if (expected.complete) assert.deepEqual([...byKey.keys()].sort(), [...want].sort());
      else for (const k of want) assert.ok(byKey.has(k), `missing ${k}`);
      // packageCount is the row count of the database as counted when the corpus was built.
      if (expected.packageCount !== undefined) assert.equal(packages.length, expected.packageCount);

      for (const e of expected.packages) {
        const p = byKey.get(keyOf(e.name, e.epoch, e.version, e.release, e.arch))!;
        const m = metaOf(p);
        const label = `${e.name}-${e.version}-${e.release}`;
        assert.equal(m.sourceName, e.srcName, `${label} srcName`);
        assert.equal(m.sourceVersion, e.srcVersion, `${label} srcVersion`);
        assert.equal(m.sourceRelease, e.srcRelease, `${label} srcRelease`);
        assert.equal(m.sourceRpm, e.sourceRpm, `${label} sourceRpm`);
        if (e.licenses) assert.deepEqual(p.licenses.map(normLicense), e.licenses.map(normLicense), `${label} licenses`);
        assert.equal(p.version, `${e.epoch !== undefined ? `${e.epoch}:` : ''}${e.version}-${e.release}`);
        assert.equal(p.layer, 0);
        assert.deepEqual(p.locations, located.map((l) => l.path));

        // Our purl carries the distro namespace and qualifier (Syft's carries neither, and an `upstream`
        // qualifier instead): compare what both must agree on.
        const purl = PackageURL.fromString(p.purl);
        assert.equal(purl.type, 'rpm');
        assert.equal(purl.namespace, 'rocky');
        assert.equal(purl.name, e.name);
        assert.equal(purl.version, `${e.version}-${e.release}`);
        assert.equal(purl.qualifiers?.arch, e.arch);
        assert.equal(purl.qualifiers?.epoch, e.epoch?.toString());
        assert.equal(purl.qualifiers?.distro, 'rocky-9.3');
        if (e.purl) {
          const peer = PackageURL.fromString(e.purl);
          assert.equal(peer.name, purl.name);
          assert.equal(peer.version, purl.version);
          assert.equal(peer.qualifiers?.arch, purl.qualifiers?.arch);
        }
      }
    });
  }

  test('reading the WAL-mode SQLite corpus file leaves no -wal/-shm/-journal files beside it', async () => {
    const db = path.join(corpus, 'gorpmdb-sqlite-mariner2', 'var', 'lib', 'rpm', 'rpmdb.sqlite');
    const bytes = readFileSync(db);
    assert.equal(bytes[18], 2, 'the corpus file is in WAL mode');
    const siblings = (): string[] => readdirSync(path.dirname(db)).sort();
    const before = siblings();
    await analyzeCase('gorpmdb-sqlite-mariner2');
    assert.deepEqual(siblings(), before);
    for (const suffix of ['-wal', '-shm', '-journal']) assert.equal(existsSync(db + suffix), false, suffix);
    assert.deepEqual(readFileSync(db), bytes, 'the file is unchanged');
  });
});

describe('rpm analyzer: merge', () => {
  test('SQLite wins over NDB and BerkeleyDB in the final view; nothing is counted twice', async () => {
    const sqlite = await analyzeCase('gorpmdb-sqlite-mariner2');
    const ndb = await analyzeCase('gorpmdb-ndb-sle15-bci');
    const bdb = await analyzeCase('syft-bdb-dive');
    const all = [...bdb, ...ndb, ...sqlite];
    const out = analyzer.merge({ final: all, history: all });
    assert.equal(out.packages?.length, 129);
    assert.ok(out.packages?.every((p) => p.locations.length === 1 && p.locations[0] === 'var/lib/rpm/rpmdb.sqlite'));

    const noSqlite = [...bdb, ...ndb];
    const out2 = analyzer.merge({ final: noSqlite, history: noSqlite });
    assert.equal(out2.packages?.length, 35);
    assert.ok(out2.packages?.every((p) => p.locations[0] === 'usr/lib/sysimage/rpm/Packages.db'));
  });

  test('the same database at two paths gives one package with both locations', async () => {
    const [a] = await analyzeCase('scalibr-bdb-epoch');
    const b = { ...a!, path: 'usr/lib/sysimage/rpm/Packages' };
    const out = analyzer.merge({ final: [a!, b], history: [a!, b] });
    assert.equal(out.packages?.length, 1);
    assert.deepEqual(out.packages?.[0]?.locations, ['usr/lib/sysimage/rpm/Packages', 'var/lib/rpm/Packages']);
  });

  test('layer = the earliest layer whose database held the same package, whatever its backend', async () => {
    const [v1] = await analyzeCase('syft-bdb-dive', 0);
    const [other] = await analyzeCase('scalibr-bdb-epoch', 1);
    const [v3] = await analyzeCase('syft-bdb-dive', 2);
    const final = [{ ...v3!, fact: { ...v3!.fact, backend: 'sqlite' as const, packages: [...v3!.fact.packages, ...other!.fact.packages] } }];
    const history = [v1!, other!, final[0]!];
    const out = analyzer.merge({ final, history });
    const layers = Object.fromEntries((out.packages ?? []).map((p) => [p.name, p.layer]));
    assert.deepEqual(layers, { dive: 0, hello: 1 });
  });

  test('no databases: no output', () => {
    assert.deepEqual(analyzer.merge({ final: [], history: [] }), {});
  });
});

describe('splitSourceRpm', () => {
  const cases: [string, ReturnType<typeof splitSourceRpm>][] = [
    ['util-linux-2.32.1-42.el8_8.src.rpm', { name: 'util-linux', version: '2.32.1', release: '42.el8_8' }],
    ['perl-IO-Socket-SSL-2.066-4.module+el8.3.0+6446+594cad75.src.rpm', { name: 'perl-IO-Socket-SSL', version: '2.066', release: '4.module+el8.3.0+6446+594cad75' }],
    ['kernel-5.14.0-362.8.1.el9_3.nosrc.rpm', { name: 'kernel', version: '5.14.0', release: '362.8.1.el9_3' }],
    ['glibc-2.31-9.3.2.src.rpm', { name: 'glibc', version: '2.31', release: '9.3.2' }],
    ['(none)', undefined],
    ['noversion.src.rpm', undefined],
    ['only-one.src.rpm', undefined],
    ['a-b-.src.rpm', undefined],
    ['-1-2.src.rpm', undefined],
  ];
  for (const [input, want] of cases) {
    test(input, () => assert.deepEqual(splitSourceRpm(input), want));
  }
});
