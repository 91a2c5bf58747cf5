import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manifestValue, parseManifest, type Manifest } from './parse-manifest.js';

// Expected values follow the JAR File Specification's grammar (one space removed from continuation lines, any of
// CRLF/LF/CR as line end) and what java.util.jar.Manifest reads from the same bytes.
const CASES: [name: string, input: string, expected: Manifest][] = [
  ['CRLF and a folded value', 'Manifest-Version: 1.0\r\nExport-Package: org.apa\r\n che.x;version="1"\r\n\r\n', {
    main: [['Manifest-Version', '1.0'], ['Export-Package', 'org.apache.x;version="1"']],
    sections: [],
  }],
  ['fold right before a space keeps the space', 'Implementation-Title: Apache\n  Log4j\n', { main: [['Implementation-Title', 'Apache Log4j']], sections: [] }],
  ['fold after a trailing space keeps the space', 'A: one \n two\n', { main: [['A', 'one two']], sections: [] }],
  ['lone CR line ends', 'A: 1\rB: 2\r\rName: x\rC: 3\r', { main: [['A', '1'], ['B', '2']], sections: [[['Name', 'x'], ['C', '3']]] }],
  ['no trailing newline', 'A: 1', { main: [['A', '1']], sections: [] }],
  ['empty', '', { main: [], sections: [] }],
  ['value with colons', 'Plugin-ScmUrl: https://example.org:8080/x\n', { main: [['Plugin-ScmUrl', 'https://example.org:8080/x']], sections: [] }],
  ['lines without a colon and empty names are skipped', 'A: 1\njunk\n: x\n\n\n \n.\n\nB: 2\n', { main: [['A', '1']], sections: [[['B', '2']]] }],
];

for (const [name, input, expected] of CASES) {
  test(`parseManifest: ${name}`, () => {
    assert.deepEqual(parseManifest(input), expected);
    assert.deepEqual(parseManifest(Buffer.from(input)), expected);
  });
}

test('manifestValue: main section only, names case-insensitive, empty values absent', () => {
  const m = parseManifest('implementation-version: 1.2\nImplementation-Vendor: \n\nName: a\nBundle-Version: 9\n');
  assert.equal(manifestValue(m, 'Implementation-Version'), '1.2');
  assert.equal(manifestValue(m, 'Implementation-Vendor'), undefined);
  assert.equal(manifestValue(m, 'Bundle-Version'), undefined);
});

test('a 5 MB single-line manifest is parsed in linear time', () => {
  const t0 = Date.now();
  const m = parseManifest(`A: ${'x'.repeat(5_000_000)}\n${' y\n'.repeat(100_000)}`);
  assert.equal(m.main[0]![1].length, 5_000_000 + 100_000);
  assert.ok(Date.now() - t0 < 2000);
});
