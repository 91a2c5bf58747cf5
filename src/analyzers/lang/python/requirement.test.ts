import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isValidName, isValidVersion, normalizeName, parseRequirementRef } from './requirement.js';

describe('PEP 503 normalisation', () => {
  const cases: [string, string][] = [
    ['Pygments', 'pygments'],
    ['typing_extensions', 'typing-extensions'],
    ['FrIeNdLy-_-bArD', 'friendly-bard'],
    ['dots-._allowed', 'dots-allowed'],
    ['lazr.restfulclient', 'lazr-restfulclient'],
    ['zope.interface', 'zope-interface'],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(normalizeName(input), want));
});

describe('PEP 508 names', () => {
  const cases: [string, boolean][] = [
    ['requests', true],
    ['a', true],
    ['A1.b_c-d', true],
    ['-leading', false],
    ['trailing.', false],
    ['foo|bar', false],
    ['foo,bar&&foobar', false],
    ['', false],
    ['x'.repeat(300), false],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input.slice(0, 20)), () => assert.equal(isValidName(input), want));
});

describe('PEP 440 versions', () => {
  const valid = ['1', '1.0', '2.0.0', '1!2.0', '1.0a1', '1.0.post1', '1.0-1', '1.0.dev0', '3.7.4.post0', '1.2.3+gcr.2', 'v1.0', '2019.3.9', '1.0rc1', '1.0b2.post3.dev4'];
  const invalid = ["'1.2.4'", '%%', '2.8.*', 'latest', '1.0 beta', '', '1..0', `1.${'0.'.repeat(100)}0`];
  for (const v of valid) test(`valid ${v}`, () => assert.equal(isValidVersion(v), true));
  for (const v of invalid) test(`invalid ${JSON.stringify(v.slice(0, 20))}`, () => assert.equal(isValidVersion(v), false));
  test('a long hostile string is rejected quickly', () => {
    const start = process.hrtime.bigint();
    assert.equal(isValidVersion(`1${'.0a'.repeat(40)}!`), false);
    assert.ok(process.hrtime.bigint() - start < 50_000_000n);
  });
});

describe('dependency specifier names', () => {
  const cases: [string, ReturnType<typeof parseRequirementRef>][] = [
    ['soupsieve (>1.2)', { name: 'soupsieve', extra: false }],
    ["html5lib ; extra == 'html5lib'", { name: 'html5lib', extra: true }],
    ['pytest-black (>=0.3.7) ; (platform_python_implementation != "PyPy") and extra == \'testing\'', { name: 'pytest-black', extra: true }],
    ['pyparsing (<3,>=2.4.2) ; python_version < "3.0"', { name: 'pyparsing', extra: false }],
    ['Jinja2>=3.0', { name: 'jinja2', extra: false }],
    ['requests[security]>=2.8.1', { name: 'requests', extra: false }],
    ['foo; extras_marker == "x"', { name: 'foo', extra: false }],
    ['>=1.0', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) test(input || '(empty)', () => assert.deepEqual(parseRequirementRef(input), want));
});
