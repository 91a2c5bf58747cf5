import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { licensesOf, MAX_HEADER_BYTES, parseDistMetadata, parseHeaders, parseRequiresTxt } from './parse-metadata.js';

const meta = (s: string): Buffer => Buffer.from(s);

describe('core metadata headers', () => {
  test('continuation lines, repeated fields, CRLF, and the body after the blank line is not read', () => {
    const { headers, truncated } = parseHeaders(
      meta('Metadata-Version: 2.1\r\nName: Foo\r\nLicense: Line one\r\n        line two\r\nClassifier: A\r\nClassifier: B\r\n\r\nName: NotAHeader\r\n'),
    );
    assert.equal(truncated, false);
    assert.deepEqual(headers.get('name'), ['Foo']);
    assert.deepEqual(headers.get('license'), ['Line one\nline two']);
    assert.deepEqual(headers.get('classifier'), ['A', 'B']);
  });

  test('a line that is neither a header nor a continuation ends the headers (as Python\'s email parser)', () => {
    const { headers } = parseHeaders(meta('Name: mxnet\nVersion: 1.8.0\nSummary: <!--- Licensed\n<!--- or more\nLicense: Apache\n'));
    assert.deepEqual([...headers.keys()], ['name', 'version', 'summary']);
  });

  test('headers beyond the cap are flagged, the partial last line is not read', () => {
    const big = Buffer.concat([meta('Name: x\nVersion: 1\n'), Buffer.alloc(MAX_HEADER_BYTES, 'Classifier: y\n')]);
    const { headers, truncated } = parseHeaders(big);
    assert.equal(truncated, true);
    assert.ok(headers.get('classifier')!.every((c) => c === 'y'));
  });
});

describe('licenses', () => {
  const h = (s: string) => parseHeaders(meta(s)).headers;
  const cases: [string, string, string[]][] = [
    ['License-Expression wins', 'License-Expression: MIT OR  Apache-2.0\nLicense: BSD\nClassifier: License :: OSI Approved :: MIT License\n', ['MIT OR Apache-2.0']],
    ['a known License spelling maps to SPDX', 'License: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\n', ['Apache-2.0']],
    ['classifiers before free text', 'License: Python license\nClassifier: License :: OSI Approved :: Python Software Foundation License\n', ['PSF-2.0']],
    [
      'several classifiers, exact ones mapped, family names kept',
      'Classifier: License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)\nClassifier: License :: OSI Approved :: BSD License\nClassifier: License :: OSI Approved\n',
      ['GPL-2.0-or-later', 'BSD License'],
    ],
    ['free text when nothing else', 'License: Python license\n', ['Python license']],
    ['UNKNOWN is no license', 'License: UNKNOWN\n', []],
    ['a pasted license text is not a name', 'License: Copyright (c) 2020\n        Permission is hereby granted\n', []],
    ['nothing declared', 'Name: x\n', []],
  ];
  for (const [name, input, want] of cases) test(name, () => assert.deepEqual(licensesOf(h(input)), want));
});

describe('parseDistMetadata', () => {
  test('fields, and only unconditional Requires-Dist', () => {
    const { metadata, warnings } = parseDistMetadata(
      meta(
        'Metadata-Version: 2.1\nName: simple \nVersion: 0.1.0\nSummary: A thing\nAuthor-email: A <a@example.org>\nRequires-Python: >=3.7\n' +
          "Requires-Dist: cryptography (>=39.0)\nRequires-Dist: bcrypt (>=3.1.3) ; extra == 'bcrypt'\nRequires-Dist: typing_extensions ; python_version < \"3.8\"\n\nbody\n",
      ),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(metadata, {
      name: 'simple',
      version: '0.1.0',
      licenses: [],
      summary: 'A thing',
      author: 'A <a@example.org>',
      requiresPython: '>=3.7',
      requires: ['cryptography', 'typing-extensions'],
    });
  });

  test('requires is absent without Requires-Dist', () => {
    assert.equal(parseDistMetadata(meta('Name: a\nVersion: 1\n')).metadata.requires, undefined);
  });

  for (const [input, missing] of [
    ['Version: 1\n', 'Name'],
    ['Name: a\n', 'Version'],
    ['', 'Name'],
    ['\nName: a\nVersion: 1\n', 'Name'],
  ] as const) {
    test(`missing ${missing}: typed error`, () => {
      assert.throws(() => parseDistMetadata(meta(input)), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE' && e.message.includes(missing));
    });
  }
});

describe('requires.txt', () => {
  test('unconditional and marker-only sections; extras skipped', () => {
    const txt = 'six>=1.5\nhttplib2\n\n[:python_version < "3"]\nfutures\n\n[socks]\nPySocks!=1.5.7\n\n[security:sys_platform == "win32"]\npywin32\n';
    assert.deepEqual(parseRequiresTxt(meta(txt)), ['six', 'httplib2', 'futures']);
  });
});
