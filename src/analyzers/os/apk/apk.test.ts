import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ApkMetadata } from '../../../core/index.js';
import type { Located } from '../../analyzer.js';
import { shared } from '../../../../test/support/paths.js';
import { runOnFolder } from '../../../../test/support/analyzer-run.js';
import { analyzer, type ApkFact } from './index.js';
import { parseApkInstalled, splitApkLicense } from './parse-apk-installed.js';

const CORPUS = shared('pkgdb', 'apk');

interface ExpectedPackage {
  name: string;
  version: string;
  arch?: string;
  srcName?: string;
  srcVersion?: string;
  licenses?: string[];
}
interface Expected {
  complete: boolean;
  packages: ExpectedPackage[];
}

const scan = (dir: string) => runOnFolder(analyzer, dir);

const key = (name: string, version: string, arch: string | undefined): string => `${name} ${version} ${arch ?? ''}`;

/*
 * License conventions (corpus README: "compare licenses leniently"). Both sides are reduced to a set of
 * case-insensitive license tokens (an SPDX expression contributes its ids), after these explicit translations:
 * - Syft keeps Alpine's pre-SPDX names as written; Tollgate (like Trivy) reports the SPDX id for the certain ones.
 * - Trivy additionally guesses a version for bare "GPL" and "BSD"; Tollgate keeps them as written (the APKBUILD
 *   does not say which), so for Trivy cases our bare names are translated the way Trivy does before comparing.
 * - osv-scalibr keeps the raw `L:` value as one string; the tokenisation handles that.
 */
const ALPINE_LEGACY: Readonly<Record<string, string>> = { GPL2: 'GPL-2.0-only', 'GPL2+': 'GPL-2.0-or-later' };
const TRIVY_GUESSES: Readonly<Record<string, string>> = { GPL: 'GPL-2.0-or-later', BSD: 'BSD-3-Clause' };

function licenseTokens(licenses: readonly string[], guesses: Readonly<Record<string, string>> = {}): Set<string> {
  const out = new Set<string>();
  for (const l of licenses)
    for (const t of l.split(/[\s()]+/))
      if (t && !/^(AND|OR|WITH)$/.test(t)) out.add((guesses[t] ?? ALPINE_LEGACY[t] ?? t).toLowerCase());
  return out;
}

describe('apk analyzer against pkgdb/apk', () => {
  const cases = readdirSync(CORPUS).filter((n) => statSync(path.join(CORPUS, n)).isDirectory()).sort();
  test('the corpus has the 7 cases this test was written for', () => assert.equal(cases.length, 7));

  for (const name of cases) {
    test(name, async () => {
      const dir = path.join(CORPUS, name);
      const exp = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const { out } = await scan(dir);
      const pkgs = out.packages ?? [];
      const got = new Map(pkgs.map((p) => [key(p.name, p.version, (p.metadata as ApkMetadata).arch), p]));
      assert.equal(got.size, pkgs.length);
      const want = exp.packages.map((p) => key(p.name, p.version, p.arch));
      if (exp.complete) assert.deepEqual([...got.keys()].sort(), [...want].sort());
      else for (const k of want) assert.ok(got.has(k), `missing ${k}`);

      for (const e of exp.packages) {
        const p = got.get(key(e.name, e.version, e.arch));
        assert.ok(p);
        const md = p.metadata as ApkMetadata;
        assert.equal(p.type, 'apk');
        if (e.srcName !== undefined) assert.equal(md.origin, e.srcName, `${e.name} origin`);
        // The corpus's srcVersion for apk is the package version (an origin has no version of its own in the db).
        if (e.srcVersion !== undefined) assert.equal(e.srcVersion, p.version);
        if (e.licenses !== undefined) {
          const guesses = name.startsWith('trivy-') ? TRIVY_GUESSES : {};
          assert.deepEqual(licenseTokens(p.licenses, guesses), licenseTokens(e.licenses), `${e.name} licenses`);
        }
        assert.deepEqual(p.locations, ['lib/apk/db/installed']);
        assert.equal(p.layer, 0);
      }
    });
  }

  test('scalibr-alpine-3.18: purl namespace and distro come from its etc/os-release (VERSION_ID=3.18.0)', async () => {
    const { out, os } = await scan(path.join(CORPUS, 'scalibr-alpine-3.18'));
    assert.equal(os?.family, 'alpine');
    const musl = out.packages?.find((p) => p.name === 'musl');
    assert.ok(musl);
    assert.equal(musl.purl, `pkg:apk/alpine/musl@${musl.version}?arch=x86_64&distro=3.18.0`);
  });

  test('trivy-apk-installed: the version-less record is reported as a warning', async () => {
    const { out } = await scan(path.join(CORPUS, 'trivy-apk-installed'));
    assert.match((out.warnings ?? []).join('\n'), /invalidPackageWithoutAVersion.*no V:/);
  });

  test('syft-single: metadata fields', async () => {
    const { out } = await scan(path.join(CORPUS, 'syft-single'));
    const [p] = out.packages ?? [];
    assert.deepEqual(p?.metadata, {
      kind: 'apk',
      arch: 'x86_64',
      origin: 'musl',
      commit: '4024cc3b29ad4c65544ad068b8f59172b5494306',
      maintainer: 'Timo Teräs <timo.teras@iki.fi>',
      installedSize: 151552,
    });
  });
});

describe('parseApkInstalled: synthetic input', () => {
  test('CRLF, no trailing newline, unknown and file-list fields ignored', () => {
    const { packages, warnings } = parseApkInstalled('C:Q1abc=\r\nP:a\r\nV:1.0-r0\r\nA:aarch64\r\nF:usr\r\nR:x\r\na:0:0:755\r\nZ:Q1=\r\n\r\nP:b\r\nV:2-r1');
    assert.deepEqual(packages, [
      { name: 'a', version: '1.0-r0', arch: 'aarch64' },
      { name: 'b', version: '2-r1', arch: '' },
    ]);
    assert.deepEqual(warnings, []);
  });

  test('records without P or V, bad lines, a P: without separating blank line', () => {
    const { packages, warnings } = parseApkInstalled(
      ['V:1.0-r0', 'A:x86_64', '', 'P:noversion', '', 'P:spaced', 'V:1.0 r0', '', 'this is not a field', 'P:first', 'V:1-r0', 'P:second', 'V:2-r0', ''].join('\n'),
    );
    assert.deepEqual(
      packages.map((p) => p.name),
      ['first', 'second'],
    );
    assert.equal(warnings.length, 4, warnings.join('\n'));
  });

  test('garbage and huge input: bounded warnings, no throw', () => {
    const garbage = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    const g = parseApkInstalled(garbage);
    assert.equal(g.packages.length, 0);
    assert.ok(g.warnings.length <= 21);
    const many = Array.from({ length: 50_000 }, (_, i) => `P:p${i}\nV:1.${i}-r0\nA:x86_64\nF:usr/lib\nR:lib${i}.so\nZ:Q1xx=`).join('\n\n');
    assert.equal(parseApkInstalled(many).packages.length, 50_000);
    const noVersions = Array.from({ length: 100 }, (_, i) => `P:p${i}`).join('\n\n');
    assert.equal(parseApkInstalled(noVersions).warnings.length, 21);
  });

  test('empty file', () => {
    assert.deepEqual(parseApkInstalled(''), { packages: [], warnings: [] });
  });
});

describe('splitApkLicense', () => {
  const table: [string, string[]][] = [
    ['MIT', ['MIT']],
    ['GPL-2.0-only', ['GPL-2.0-only']],
    ['MIT BSD GPL2+', ['MIT', 'BSD', 'GPL-2.0-or-later']],
    ['GPL2', ['GPL-2.0-only']],
    ['LGPL2.1+', ['LGPL-2.1-or-later']],
    ['zlib', ['Zlib']],
    ['openssl', ['OpenSSL']],
    ['GPL', ['GPL']],
    ['Public-Domain', ['Public-Domain']],
    ['MIT AND BSD-2-Clause AND GPL-2.0-or-later', ['MIT AND BSD-2-Clause AND GPL-2.0-or-later']],
    ['( Apache-2.0 OR MIT ) AND MPL-2.0', ['(Apache-2.0 OR MIT) AND MPL-2.0']],
    ['GPL-2.0-or-later WITH Classpath-exception-2.0', ['GPL-2.0-or-later WITH Classpath-exception-2.0']],
    ['MIT MIT', ['MIT']],
    ['', []],
  ];
  for (const [input, want] of table) test(JSON.stringify(input), () => assert.deepEqual(splitApkLicense(input), want));
});

describe('apk analyzer: layers', () => {
  const fact = (text: string): ApkFact => analyzer.analyze({ path: 'lib/apk/db/installed', size: 0, mode: 0o100644, content: Buffer.from(text) }) as ApkFact;
  test('layer = earliest layer with the same name+version+arch', () => {
    const rec = (n: string, v: string): string => `P:${n}\nV:${v}\nA:x86_64\n`;
    const history: Located<ApkFact>[] = [
      { path: 'lib/apk/db/installed', layer: 0, fact: fact(`${rec('musl', '1.2.4-r2')}\n${rec('busybox', '1.36.1-r15')}`) },
      { path: 'lib/apk/db/installed', layer: 1, fact: fact(`${rec('musl', '1.2.4-r3')}\n${rec('busybox', '1.36.1-r15')}\n${rec('curl', '8.5.0-r0')}`) },
    ];
    const out = analyzer.merge({ final: [history[1] as Located<ApkFact>], history });
    assert.deepEqual(Object.fromEntries((out.packages ?? []).map((p) => [p.name, p.layer])), { musl: 1, busybox: 0, curl: 1 });
  });
  test('required() only the installed database (apk-tools 2 and usr-merged locations)', () => {
    assert.ok(analyzer.required('lib/apk/db/installed'));
    assert.ok(analyzer.required('usr/lib/apk/db/installed'));
    assert.ok(!analyzer.required('lib/apk/db/installed.new'));
    assert.ok(!analyzer.required('lib/apk/db/triggers'));
  });
  test('the same database at both locations yields one package per name+arch', () => {
    const text = 'P:musl\nV:1.2.5-r0\nA:x86_64\n';
    const final: Located<ApkFact>[] = [
      { path: 'usr/lib/apk/db/installed', layer: 0, fact: fact(text) },
      { path: 'lib/apk/db/installed', layer: 0, fact: fact(text) },
    ];
    const out = analyzer.merge({ final, history: final });
    assert.equal(out.packages?.length, 1);
    assert.deepEqual(out.packages?.[0]?.locations, ['lib/apk/db/installed']);
    assert.equal(out.warnings, undefined);
  });
});
