import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileEntry, OperatingSystem } from '../../../core/index.js';
import type { Located } from '../../analyzer.js';
import { shared } from '../../../../test/support/paths.js';
import { analyzer, decideOs, type ReleaseFact } from './index.js';
import { INTENTIONAL, expectedFor } from '../../../../test/support/os-conventions.js';

const CORPUS = shared('pkgdb', 'osrelease');

interface Expected {
  os: { family: string | null; version: string | null } | null;
  familyConvention: string;
}

/** Every file of a case folder except expected.json, as image paths ("etc/os-release"). */
function caseFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const relPath = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, relPath)).isDirectory()) out.push(...caseFiles(dir, relPath));
    else if (relPath !== 'expected.json') out.push(relPath);
  }
  return out;
}

/** Runs the analyzer as the pipeline would on a one-layer image made of the case folder. */
async function detect(dir: string): Promise<OperatingSystem | undefined> {
  const facts: Located<ReleaseFact>[] = [];
  for (const rel of caseFiles(dir)) {
    if (!analyzer.required(rel)) continue;
    const content = readFileSync(path.join(dir, rel));
    const file: FileEntry = { path: rel, size: content.length, mode: 0o100644, content };
    const fact = await analyzer.analyze(file);
    if (fact !== undefined) facts.push({ path: rel, layer: 0, fact: JSON.parse(JSON.stringify(fact)) as ReleaseFact });
  }
  return analyzer.merge({ final: facts, history: facts }).os;
}

describe('release analyzer against pkgdb/osrelease', () => {
  const cases = readdirSync(CORPUS).filter((n) => statSync(path.join(CORPUS, n)).isDirectory()).sort();

  test('the corpus has the 77 cases this test was written for', () => {
    assert.equal(cases.length, 77);
  });

  for (const name of cases) {
    test(name, async () => {
      const dir = path.join(CORPUS, name);
      const exp = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const os = await detect(dir);
      const got = os ? { family: os.family, version: os.version } : undefined;
      const intentional = INTENTIONAL[name];
      if (intentional) {
        assert.deepEqual(exp.os, intentional.peer, 'corpus changed: revisit the intentional difference');
        assert.deepEqual(got, intentional.tollgate);
        return;
      }
      assert.deepEqual(got, expectedFor(name, exp));
      // Syft reports the raw os-release ID (or the ID it derives from a release file); Tollgate keeps it in `id`.
      if (os && exp.familyConvention.startsWith('os-release ID') && exp.os?.family) assert.equal(os.id, exp.os.family);
      if (os) assert.ok(os.source && analyzer.required(os.source), `source ${os.source} is a required file`);
    });
  }
});

function fact(path: string, f: ReleaseFact): Located<ReleaseFact> {
  return { path, layer: 0, fact: f };
}

describe('decideOs precedence', () => {
  const debian12 = fact('etc/os-release', {
    kind: 'os-release',
    fields: { ID: 'debian', VERSION_ID: '12', VERSION_CODENAME: 'bookworm', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
  });

  test('debian_version point release refines VERSION_ID', () => {
    const os = decideOs([debian12, fact('etc/debian_version', { kind: 'release-file', release: { id: 'debian', family: 'debian', version: '12.5' } })]);
    assert.deepEqual(os, {
      family: 'debian',
      version: '12.5',
      id: 'debian',
      codename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      source: 'etc/debian_version',
    });
  });

  test('a debian_version of another major does not override os-release', () => {
    const os = decideOs([debian12, fact('etc/debian_version', { kind: 'release-file', release: { id: 'debian', family: 'debian', version: '11.9' } })]);
    assert.equal(os?.version, '12');
    assert.equal(os?.source, 'etc/os-release');
  });

  test('Debian sid: no VERSION_ID, debian_version "trixie/sid" is kept as written (Trivy debian-sid case)', () => {
    const os = decideOs([
      fact('etc/os-release', { kind: 'os-release', fields: { ID: 'debian', PRETTY_NAME: 'Debian GNU/Linux trixie/sid', VERSION_CODENAME: 'trixie' } }),
      fact('etc/debian_version', { kind: 'release-file', release: { id: 'debian', family: 'debian', version: 'trixie/sid' } }),
    ]);
    assert.equal(os?.version, 'trixie/sid');
    assert.equal(os?.codename, 'trixie');
  });

  test('Ubuntu: debian_version ("bookworm/sid") is ignored, os-release decides', () => {
    const os = decideOs([
      fact('etc/os-release', { kind: 'os-release', fields: { ID: 'ubuntu', VERSION_ID: '24.04', UBUNTU_CODENAME: 'noble' } }),
      fact('etc/debian_version', { kind: 'release-file', release: { id: 'debian', family: 'debian', version: 'bookworm/sid' } }),
    ]);
    assert.deepEqual(os, { family: 'ubuntu', version: '24.04', id: 'ubuntu', codename: 'noble', source: 'etc/os-release' });
  });

  test('etc/os-release wins over usr/lib/os-release; an ID-less one falls through', () => {
    const usr = fact('usr/lib/os-release', { kind: 'os-release', fields: { ID: 'alpine', VERSION_ID: '3.19.1' } });
    assert.equal(decideOs([usr, fact('etc/os-release', { kind: 'os-release', fields: { ID: 'wolfi', VERSION_ID: '20230201' } })])?.family, 'wolfi');
    assert.equal(decideOs([fact('etc/os-release', { kind: 'os-release', fields: { NAME: 'x' } }), usr])?.family, 'alpine');
  });

  test('a same-family release file supplies a missing VERSION_ID', () => {
    const os = decideOs([
      fact('etc/os-release', { kind: 'os-release', fields: { ID: 'alpine' } }),
      fact('etc/alpine-release', { kind: 'release-file', release: { id: 'alpine', family: 'alpine', version: '3.19.1' } }),
    ]);
    assert.equal(os?.version, '3.19.1');
    assert.equal(os?.source, 'etc/alpine-release');
  });

  test('without os-release: specific release file beats redhat-release, busybox ranks last', () => {
    const os = decideOs([
      fact('bin/busybox', { kind: 'release-file', release: { id: 'busybox', family: 'busybox', version: '1.36.1' } }),
      fact('etc/redhat-release', { kind: 'release-file', release: { id: 'rhel', family: 'redhat', version: '8.4' } }),
      fact('etc/rocky-release', { kind: 'release-file', release: { id: 'rocky', family: 'rocky', version: '8.4' } }),
    ]);
    assert.equal(os?.family, 'rocky');
    assert.equal(os?.source, 'etc/rocky-release');
  });

  test('no facts, no OS', () => {
    assert.equal(decideOs([]), undefined);
    assert.deepEqual(analyzer.merge({ final: [], history: [] }), {});
  });
});

describe('release analyzer: bad input', () => {
  test('garbage and empty files yield no fact, never a throw', async () => {
    const garbage = Buffer.alloc(200_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 256;
    for (const p of ['etc/os-release', 'etc/redhat-release', 'etc/system-release', 'etc/lsb-release', 'etc/alpine-release', 'etc/debian_version', 'bin/busybox']) {
      for (const content of [Buffer.alloc(0), garbage]) {
        const fact = await analyzer.analyze({ path: p, size: content.length, mode: 0o100644, content });
        if (fact?.kind === 'os-release') assert.ok(!('ID' in fact.fields) || typeof fact.fields.ID === 'string');
        else assert.equal(fact, undefined, p);
      }
    }
  });

  test('required() matches only release files', () => {
    assert.ok(analyzer.required('etc/os-release'));
    assert.ok(analyzer.required('usr/lib/os-release'));
    assert.ok(!analyzer.required('etc/os-release.bak'));
    assert.ok(!analyzer.required('/etc/os-release'));
    assert.ok(!analyzer.required('usr/share/doc/os-release'));
  });
});
