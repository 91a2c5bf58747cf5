import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DpkgMetadata, OperatingSystem } from '../../../core/index.js';
import type { Located } from '../../analyzer.js';
import { shared } from '../../../../test/support/paths.js';
import { runOnFolder } from '../../../../test/support/analyzer-run.js';
import { analyzer, type DpkgFact } from './index.js';

const CORPUS = shared('pkgdb', 'dpkg');

interface ExpectedPackage {
  name: string;
  version: string;
  arch?: string;
  srcName?: string;
  srcVersion?: string;
  licenses?: string[];
  purl?: string;
}
interface Expected {
  complete: boolean;
  packages: ExpectedPackage[];
}

const scan = (dir: string) => runOnFolder(analyzer, dir);

const key = (name: string, version: string, arch: string | undefined): string => `${name} ${version} ${arch ?? ''}`;

/**
 * Syft keeps DEP-5 short names as written; Tollgate reports SPDX ids where the mapping is exact (SPDX license
 * list: "GPL-2.0-only" is DEP-5 "GPL-2", "-or-later" is "+"). Only the names in the corpus are listed.
 */
const DEP5_TO_SPDX: Readonly<Record<string, string>> = {
  'GPL-1': 'GPL-1.0-only',
  'GPL-2': 'GPL-2.0-only',
  'GPL-2+': 'GPL-2.0-or-later',
  'LGPL-2.1': 'LGPL-2.1-only',
};

/** Syft adds `upstream=<source>` to deb purls; Tollgate follows Trivy, whose deb purls carry arch and distro only. */
function withoutUpstream(purl: string): string {
  const [base, query] = purl.split('?');
  if (!query) return purl;
  const kept = query.split('&').filter((q) => !q.startsWith('upstream='));
  return kept.length ? `${base}?${kept.join('&')}` : (base as string);
}

describe('dpkg analyzer against pkgdb/dpkg', () => {
  const cases = readdirSync(CORPUS).filter((n) => statSync(path.join(CORPUS, n)).isDirectory()).sort();
  test('the corpus has the 12 cases this test was written for', () => assert.equal(cases.length, 12));

  for (const name of cases) {
    test(name, async () => {
      const dir = path.join(CORPUS, name);
      const exp = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const { out } = await scan(dir);
      const pkgs = out.packages ?? [];
      const got = new Map(pkgs.map((p) => [key(p.name, p.version, (p.metadata as DpkgMetadata).arch), p]));
      assert.equal(got.size, pkgs.length, 'one package per name+version+arch');
      const want = exp.packages.map((p) => key(p.name, p.version, p.arch));
      if (exp.complete) assert.deepEqual([...got.keys()].sort(), [...want].sort());
      else for (const k of want) assert.ok(got.has(k), `missing ${k}`);

      for (const e of exp.packages) {
        const p = got.get(key(e.name, e.version, e.arch));
        assert.ok(p);
        const md = p.metadata as DpkgMetadata;
        assert.equal(p.type, 'deb');
        assert.equal(md.kind, 'dpkg');
        if (e.srcName !== undefined) assert.equal(md.sourceName, e.srcName, `${e.name} srcName`);
        if (e.srcVersion !== undefined) assert.equal(md.sourceVersion, e.srcVersion, `${e.name} srcVersion`);
        if (e.licenses !== undefined) {
          const wantLicenses = new Set(e.licenses.map((l) => DEP5_TO_SPDX[l] ?? l));
          assert.deepEqual(new Set(p.licenses), wantLicenses, `${e.name} licenses`);
          assert.ok(p.locations.includes(`usr/share/doc/${e.name}/copyright`), 'copyright file is evidence');
        }
        if (e.purl !== undefined) assert.equal(p.purl, withoutUpstream(e.purl));
        assert.equal(p.layer, 0);
        assert.ok(p.locations[0]?.startsWith('var/lib/dpkg/status'));
      }
    });
  }

  test('without a detected OS the purl falls back to the deb default namespace (trivy-ubuntu1804-status has no os-release)', async () => {
    const { out, os } = await scan(path.join(CORPUS, 'trivy-ubuntu1804-status'));
    assert.equal(os, undefined);
    const apt = out.packages?.find((p) => p.name === 'apt');
    assert.equal(apt?.purl, 'pkg:deb/debian/apt@1.6.3ubuntu0.1?arch=amd64');
  });

  test('corrupted status: the skipped stanzas are reported as warnings', async () => {
    const { out } = await scan(path.join(CORPUS, 'trivy-corrupted-status'));
    const w = (out.warnings ?? []).join('\n');
    assert.match(w, /brokenPackageWithNoVersionThatShouldGetThrownOut.*no Version/);
    assert.match(w, /invalidpkg.*invalid version "1:5\.#"/);
  });
});

/**
 * This machine's own dpkg database against dpkg-query reading the same file. "Installed" for a scanner means the
 * package's files are on disk: dpkg-query's status abbreviation (second character = current state) is one of
 * i (installed), U (unpacked), F (half-configured), H (half-installed), W (triggers-awaited), T (triggers-pending);
 * n (not-installed) and c (config-files, "rc") leave no binaries.
 */
const HOST_STATUS = '/var/lib/dpkg/status';
const hasDpkgQuery = ((): boolean => {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    return existsSync(HOST_STATUS);
  } catch {
    return false;
  }
})();

describe('dpkg analyzer against this machine', () => {
  test('var/lib/dpkg/status equals dpkg-query -W', { skip: hasDpkgQuery ? false : 'no dpkg-query / dpkg status here' }, async () => {
    const fmt = '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n';
    const lines = execFileSync('dpkg-query', ['--admindir=/var/lib/dpkg', '-W', '-f', fmt], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
      .split('\n')
      .filter(Boolean);
    const want = new Map<string, { src: string; srcVersion: string }>();
    for (const line of lines) {
      const [pkg, version, arch, src, srcVersion, abbrev] = line.split('\t') as [string, string, string, string, string, string];
      if (!'iUFHWT'.includes(abbrev[1] ?? 'n')) continue;
      want.set(key(pkg, version, arch), { src, srcVersion });
    }
    assert.ok(want.size > 0, 'dpkg-query lists installed packages');

    const content = readFileSync(HOST_STATUS);
    const fact = analyzer.analyze({ path: 'var/lib/dpkg/status', size: content.length, mode: 0o100644, content });
    assert.ok(fact);
    const facts: Located<DpkgFact>[] = [{ path: 'var/lib/dpkg/status', layer: 0, fact: (await fact) as DpkgFact }];
    const out = analyzer.merge({ final: facts, history: facts });
    const got = new Map((out.packages ?? []).map((p) => [key(p.name, p.version, (p.metadata as DpkgMetadata).arch), p.metadata as DpkgMetadata]));
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [k, w] of want) {
      assert.equal(got.get(k)?.sourceName, w.src, k);
      assert.equal(got.get(k)?.sourceVersion, w.srcVersion, k);
    }
    assert.equal(out.warnings, undefined);
  });
});

describe('dpkg analyzer: layers and merge', () => {
  const stanza = (name: string, version: string): string => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`;
  const statusFact = (text: string): DpkgFact => analyzer.analyze({ path: 'var/lib/dpkg/status', size: 0, mode: 0o100644, content: Buffer.from(text) }) as DpkgFact;

  test('layer = earliest layer with the same name+version+arch; an upgrade is attributed to its layer', () => {
    const l0 = statusFact(`${stanza('libc6', '2.36-9')}\n${stanza('bash', '5.2-1')}`);
    const l1 = statusFact(`${stanza('libc6', '2.36-9+deb12u4')}\n${stanza('bash', '5.2-1')}`);
    const l2 = statusFact(`${stanza('libc6', '2.36-9+deb12u4')}\n${stanza('bash', '5.2-1')}\n${stanza('curl', '7.88.1-10')}`);
    const history: Located<DpkgFact>[] = [
      { path: 'var/lib/dpkg/status', layer: 0, fact: l0 },
      { path: 'var/lib/dpkg/status', layer: 1, fact: l1 },
      { path: 'var/lib/dpkg/status', layer: 2, fact: l2 },
    ];
    const out = analyzer.merge({ final: [history[2] as Located<DpkgFact>], history });
    const layers = Object.fromEntries((out.packages ?? []).map((p) => [p.name, p.layer]));
    assert.deepEqual(layers, { libc6: 1, bash: 0, curl: 2 });
  });

  test('purl carries the OS family and distro qualifier', () => {
    const final: Located<DpkgFact>[] = [{ path: 'var/lib/dpkg/status', layer: 0, fact: statusFact(stanza('openssl', '3.0.11-1~deb12u2')) }];
    const os: OperatingSystem = { family: 'debian', version: '12.5', id: 'debian' };
    const [p] = analyzer.merge({ final, history: final, os }).packages ?? [];
    assert.equal(p?.purl, 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12');
  });

  test('status and status.d listing the same package: one package, status wins', () => {
    const final: Located<DpkgFact>[] = [
      { path: 'var/lib/dpkg/status.d/tzdata', layer: 0, fact: statusFact(stanza('tzdata', '2024a-0+deb12u1')) },
      { path: 'var/lib/dpkg/status', layer: 0, fact: statusFact(stanza('tzdata', '2024a-0+deb12u1')) },
    ];
    const pkgs = analyzer.merge({ final, history: final }).packages ?? [];
    assert.equal(pkgs.length, 1);
    assert.deepEqual(pkgs[0]?.locations, ['var/lib/dpkg/status']);
  });

  // Version 2 also reads the file lists (info/*.list, distroless status.d/*.md5sums) for OS ownership of
  // language packages; before, those two paths were asserted NOT to be required.
  test('required(): status, status.d control files and md5sums, info/*.list, copyright files only', () => {
    for (const p of [
      'var/lib/dpkg/status',
      'var/lib/dpkg/status.d/libssl1.1',
      'var/lib/dpkg/status.d/base',
      'usr/share/doc/bash/copyright',
      'var/lib/dpkg/info/bash.list',
      'var/lib/dpkg/info/libc6:amd64.list',
      'var/lib/dpkg/status.d/libssl1.1.md5sums',
    ])
      assert.ok(analyzer.required(p), p);
    for (const p of [
      'var/lib/dpkg/status-old',
      'var/lib/dpkg/available',
      'var/lib/dpkg/status.d/x.preinst',
      'var/lib/dpkg/status.d/sub/dir',
      'var/lib/dpkg/status.d/sub/x.md5sums',
      'var/lib/dpkg/info/bash.md5sums',
      'var/lib/dpkg/info/bash.postinst',
      'var/lib/dpkg/info/sub/bash.list',
      'var/lib/dpkg/info/.list',
      'var/lib/dpkg/info/format',
      'usr/share/doc/bash/copyright.gz',
      'usr/share/doc/bash/sub/copyright',
    ])
      assert.ok(!analyzer.required(p), p);
  });
});
