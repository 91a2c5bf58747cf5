// apk file lists (F: directory, R: file in it) → ownership of language packages by Alpine packages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FileEntry } from '../../../core/index.js';
import type { Located } from '../../analyzer.js';
import { shared } from '../../../../test/support/paths.js';
import { isLanguageEvidencePath } from '../owned-paths.js';
import { analyzer, type ApkFact } from './index.js';
import { MAX_KEPT_FILES, parseApkInstalled } from './parse-apk-installed.js';

function run(content: Buffer | string, os = { family: 'alpine', version: '3.19.1', id: 'alpine' }): ReturnType<typeof analyzer.merge> {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const entry: FileEntry = { path: 'lib/apk/db/installed', size: buf.length, mode: 0o100644, content: buf };
  const fact = JSON.parse(JSON.stringify(analyzer.analyze(entry))) as ApkFact;
  const located: Located<ApkFact>[] = [{ path: entry.path, layer: 0, fact }];
  return analyzer.merge({ final: located, history: located, os });
}

const purlOf = (out: ReturnType<typeof analyzer.merge>, name: string): string => {
  const p = out.packages?.find((x) => x.name === name);
  assert.ok(p, name);
  return p.purl;
};

describe('apk ownedFiles', () => {
  test('synthetic database: R: files joined to the preceding F: directory, filtered, owned by their package', () => {
    const db = [
      'C:Q1abc=',
      'P:py3-foo',
      'V:1.2-r0',
      'A:noarch',
      'o:py-foo',
      'F:usr',
      'F:usr/lib',
      'F:usr/lib/python3.11/site-packages/foo',
      'R:__init__.py',
      'F:usr/lib/python3.11/site-packages/foo-1.2.dist-info',
      'R:METADATA',
      'a:0:0:644',
      'Z:Q1xyz=',
      'R:RECORD',
      'F:usr/bin',
      'R:foo',
      '',
      'P:openjdk-lib',
      'V:17.0.10_p7-r0',
      'A:x86_64',
      'R:top-level-file',
      'F:usr/share/java',
      'R:tool.jar',
      '',
      'P:docs',
      'V:1-r0',
      'A:x86_64',
      'F:usr/share/doc/docs',
      'R:README',
      '',
    ].join('\n');
    const out = run(db);
    assert.equal(purlOf(out, 'py3-foo'), 'pkg:apk/alpine/py3-foo@1.2-r0?arch=noarch&distro=3.19.1');
    assert.deepEqual(out.ownedFiles, {
      'usr/lib/python3.11/site-packages/foo-1.2.dist-info/METADATA': purlOf(out, 'py3-foo'),
      'usr/bin/foo': purlOf(out, 'py3-foo'),
      'usr/share/java/tool.jar': purlOf(out, 'openjdk-lib'),
    });
  });

  test('without a filter the parser keeps no files (the records are as before)', () => {
    const { packages } = parseApkInstalled('P:x\nV:1-r0\nA:x86_64\nF:usr/bin\nR:x\n');
    assert.deepEqual(packages, [{ name: 'x', version: '1-r0', arch: 'x86_64' }]);
  });

  // Expected pairs read off the upstream fixtures' F:/R: lines (package, directory/file).
  test('corpus syft-single: musl-utils owns its programs', () => {
    const out = run(readFileSync(shared('pkgdb', 'apk', 'syft-single', 'lib', 'apk', 'db', 'installed')));
    const musl = purlOf(out, 'musl-utils');
    assert.deepEqual(out.ownedFiles, {
      'sbin/ldconfig': musl,
      'usr/sbin/ldconfig': musl, // merged-/usr alias
      'usr/bin/iconv': musl,
      'usr/bin/ldd': musl,
      'usr/bin/getconf': musl,
      'usr/bin/getent': musl,
    });
  });

  test('corpus trivy-apk-installed: programs of busybox, apk-tools, scanelf, pkgconf… owned by the right package', () => {
    const out = run(readFileSync(shared('pkgdb', 'apk', 'trivy-apk-installed', 'lib', 'apk', 'db', 'installed')));
    const owned = out.ownedFiles ?? {};
    const expected: [string, string][] = [
      ['bin/busybox', 'busybox'],
      ['bin/sh', 'busybox'],
      ['sbin/mkmntdirs', 'alpine-baselayout'],
      ['usr/bin/c_rehash', 'libcrypto1.0'],
      ['sbin/apk', 'apk-tools'],
      ['usr/bin/scanelf', 'scanelf'],
      ['sbin/ldconfig', 'musl-utils'],
      ['usr/bin/iconv', 'musl-utils'],
      ['usr/bin/ldd', 'musl-utils'],
      ['usr/bin/getconf', 'musl-utils'],
      ['usr/bin/getent', 'musl-utils'],
      ['usr/bin/pkgconf', 'pkgconf'],
      ['usr/bin/pkg-config', 'pkgconf'],
    ];
    for (const [file, name] of expected) assert.equal(owned[file], purlOf(out, name), file);
    // Nothing else: the fixture's other files are configuration, libraries and data.
    const real = Object.keys(owned).filter((f) => !(f.startsWith('usr/') && owned[f.slice(4)] !== undefined && /^usr\/(s?bin|lib)\//.test(f)));
    assert.deepEqual(real.sort(), expected.map(([f]) => f).sort());
  });

  test('hostile: a package with more kept files than the limit keeps the limit and warns', () => {
    const lines = ['P:huge', 'V:1-r0', 'A:x86_64', 'F:usr/bin'];
    for (let i = 0; i < MAX_KEPT_FILES + 3; i++) lines.push(`R:p${i}`);
    const { packages, warnings } = parseApkInstalled(lines.join('\n'), { keepFile: isLanguageEvidencePath });
    assert.equal(packages[0]?.files?.length, MAX_KEPT_FILES);
    assert.deepEqual(warnings, [`3 file path(s) beyond the ${MAX_KEPT_FILES}-per-package limit were ignored`]);
  });
});
