import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRequirementLine, parseRequirements } from './parse-requirements.js';

describe('one requirement line', () => {
  const cases: [string, { name: string; version: string } | undefined][] = [
    ['flask==2.0.0', { name: 'flask', version: '2.0.0' }],
    [' flask == 4.0.0', { name: 'flask', version: '4.0.0' }],
    ['urllib3===1.26.20', { name: 'urllib3', version: '1.26.20' }],
    ['Jinja2==3.0.0#comment', { name: 'Jinja2', version: '3.0.0' }],
    ["SomeProject ==5.4 ; python_version < '3.8'", { name: 'SomeProject', version: '5.4' }],
    ['celery[redis, pytest] == 4.4.7 # note', { name: 'celery', version: '4.4.7' }],
    ['argh==0.26.3 --hash=sha256:a9b3 --hash=sha256:e953', { name: 'argh', version: '0.26.3' }],
    ['GithubSampleProject == 3.7.1 @ git+https://github.com/owner/repo@releases/tag/v3.7.1', { name: 'GithubSampleProject', version: '3.7.1' }],
    ['local-version == 1.2.3+gcr.2', { name: 'local-version', version: '1.2.3+gcr.2' }],
    ['requests[security] == 2.8.* ; python_version < "2.7"', undefined],
    ['sqlalchemy >= 1.0.0, <= 2.0.0', undefined],
    ['foo==1.0,!=1.0.1', undefined],
    ['coverage != 3.5', undefined],
    ['Mopidy-Dirble ~= 1.1', undefined],
    ['pandas', undefined],
    ['==2.3.4', undefined],
    ['-e https://github.com/pecan/pecan.git', undefined],
    ['-r other-requirements.txt', undefined],
    ['# CommentedOut == 1.2.3', undefined],
    ["foo=='invalid-version'", undefined],
    ['foo{bar}==%%', undefined],
    ['name @ https://example.org/x.whl', undefined],
  ];
  for (const [input, want] of cases) test(input, () => assert.deepEqual(parseRequirementLine(input), want));
});

describe('requirements files', () => {
  test('backslash continuations (with hash options), line numbers', () => {
    const txt = 'a==1.0\nargh==0.26.2 \\\n  --hash=sha256:aa \\\n  --hash=sha256:bb\nbar >= 1.0.0, \\\n  != 3.0.0\nb==2.0\n';
    assert.deepEqual(parseRequirements(Buffer.from(txt)), [
      { name: 'a', version: '1.0', line: 1 },
      { name: 'argh', version: '0.26.2', line: 2 },
      { name: 'b', version: '2.0', line: 7 },
    ]);
  });

  test('UTF-16LE and UTF-16BE with BOM, UTF-8 with BOM, CRLF', () => {
    const text = 'attrs==20.3.0\r\nsix==1.16.0\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    const u8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const b of [le, be, u8]) {
      assert.deepEqual(
        parseRequirements(b).map((r) => `${r.name}@${r.version}`),
        ['attrs@20.3.0', 'six@1.16.0'],
      );
    }
  });

  test('a comment ending in a backslash does not swallow the next line', () => {
    assert.deepEqual(parseRequirements(Buffer.from('# note \\\nx==1\n')).map((r) => r.name), ['x']);
  });
});
