import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COPYRIGHT_MAX_BYTES, normalizeDebianLicense, parseCopyright } from './parse-copyright.js';

describe('normalizeDebianLicense (DEP-5 short name → SPDX id)', () => {
  // Left: DEP-5 short names (copyright-format 1.0, "License specification"); right: SPDX license list ids.
  const table: [string, string][] = [
    ['GPL-2', 'GPL-2.0-only'],
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['GPL-3.0+', 'GPL-3.0-or-later'],
    ['LGPL-2', 'LGPL-2.0-only'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['AGPL-3', 'AGPL-3.0-only'],
    ['GFDL-1.3+', 'GFDL-1.3-or-later'],
    ['Apache-2.0', 'Apache-2.0'],
    ['Expat', 'MIT'],
    ['BSD-3-clause', 'BSD-3-Clause'],
    ['zlib', 'Zlib'],
    ['Artistic', 'Artistic-1.0-Perl'],
    ['public-domain', 'public-domain'],
    ['GPL', 'GPL'],
    ['other', 'other'],
  ];
  for (const [dep5, spdx] of table) test(`${dep5} → ${spdx}`, () => assert.equal(normalizeDebianLicense(dep5), spdx));
});

describe('parseCopyright', () => {
  test('DEP-5 License fields, expressions, exceptions and common-licenses references, de-duplicated', () => {
    const text = [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      '',
      'Files: *',
      'License: GPL-2+ or Artistic',
      '',
      'Files: lib/*',
      'License: LGPL-2.1+ with OpenSSL exception',
      '',
      'Files: debian/*',
      'License: BSD-3-clause and (Expat, GPL-2+)',
      '',
      'License: GPL-2+',
      ' On Debian systems, the full text can be found in `/usr/share/common-licenses/GPL-2\'.',
      ' See also /usr/share/common-licenses/Artistic.',
    ].join('\r\n');
    assert.deepEqual(parseCopyright(text), ['GPL-2.0-or-later', 'Artistic-1.0-Perl', 'LGPL-2.1-or-later', 'BSD-3-Clause', 'MIT', 'GPL-2.0-only']);
  });

  test('free-form copyright file: only common-licenses references', () => {
    const text = 'This package was debianized by someone.\nLicense:\n\n  The GNU GPL applies; see /usr/share/common-licenses/GPL-3.\n';
    assert.deepEqual(parseCopyright(text), ['GPL-3.0-only']);
  });

  test('nothing found, garbage and oversize input', () => {
    assert.deepEqual(parseCopyright(''), []);
    assert.deepEqual(parseCopyright(Buffer.from([0, 255, 1, 254, 10, 76, 105])), []);
    const big = `License: MIT\n${'x'.repeat(COPYRIGHT_MAX_BYTES)}\nLicense: GPL-3\n`;
    assert.deepEqual(parseCopyright(big), ['MIT']);
    assert.deepEqual(parseCopyright(Buffer.from(big)), ['MIT']);
  });

  test('free text after License: is not taken for an id', () => {
    assert.deepEqual(parseCopyright('License: see the file COPYING for details\n'), []);
  });
});
