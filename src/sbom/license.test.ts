import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type LicenseClass, classifyLicense } from './license.js';

// Expected classes follow SPDX 2.3 Annex D (ids case-insensitive, AND binds tighter than OR, "+" and WITH) and
// the SPDX License List (MIT, Apache-2.0, GPL-2.0 as a deprecated id, Classpath-exception-2.0 as an exception).
const cases: [string, LicenseClass][] = [
  ['MIT', { kind: 'id', id: 'MIT' }],
  ['  Apache-2.0 ', { kind: 'id', id: 'Apache-2.0' }],
  ['apache-2.0', { kind: 'id', id: 'Apache-2.0' }],
  // The deprecated id "GPL-2.0" with Annex D's "+" operator (spdx-license-ids lists no "+" ids).
  ['GPL-2.0+', { kind: 'expression', expression: 'GPL-2.0+', licenseRefs: [] }],
  ['gpl-2.0', { kind: 'id', id: 'GPL-2.0' }],
  ['GPL-2.0-only+', { kind: 'expression', expression: 'GPL-2.0-only+', licenseRefs: [] }],
  ['MIT or Apache-2.0', { kind: 'expression', expression: 'MIT OR Apache-2.0', operator: 'or', licenseRefs: [] }],
  [
    'LGPL-2.1-or-later AND BSD-3-Clause',
    { kind: 'expression', expression: 'LGPL-2.1-or-later AND BSD-3-Clause', operator: 'and', licenseRefs: [] },
  ],
  [
    '(MIT OR Apache-2.0) AND BSD-3-Clause',
    { kind: 'expression', expression: '(MIT OR Apache-2.0) AND BSD-3-Clause', operator: 'and', licenseRefs: [] },
  ],
  [
    '(MIT AND BSD-3-Clause) OR Apache-2.0',
    { kind: 'expression', expression: 'MIT AND BSD-3-Clause OR Apache-2.0', operator: 'or', licenseRefs: [] },
  ],
  [
    'GPL-2.0-or-later with classpath-exception-2.0',
    { kind: 'expression', expression: 'GPL-2.0-or-later WITH Classpath-exception-2.0', licenseRefs: [] },
  ],
  ['LicenseRef-acme-eula', { kind: 'expression', expression: 'LicenseRef-acme-eula', licenseRefs: ['LicenseRef-acme-eula'] }],
  [
    'MIT OR LicenseRef-acme-eula',
    { kind: 'expression', expression: 'MIT OR LicenseRef-acme-eula', operator: 'or', licenseRefs: ['LicenseRef-acme-eula'] },
  ],
  // Not SPDX: Debian short names, free text, unknown ids, broken syntax.
  ['GPL-2+', { kind: 'text', text: 'GPL-2+' }],
  ['GPLv2+', { kind: 'text', text: 'GPLv2+' }],
  ['BSD', { kind: 'text', text: 'BSD' }],
  ['Public Domain', { kind: 'text', text: 'Public Domain' }],
  ['MIT, Apache-2.0', { kind: 'text', text: 'MIT, Apache-2.0' }],
  ['MIT OR', { kind: 'text', text: 'MIT OR' }],
  ['(MIT', { kind: 'text', text: '(MIT' }],
  ['MIT)', { kind: 'text', text: 'MIT)' }],
  ['MIT WITH MIT', { kind: 'text', text: 'MIT WITH MIT' }],
  ['MIT OR FooBar-1.0', { kind: 'text', text: 'MIT OR FooBar-1.0' }],
  ['', { kind: 'text', text: '' }],
];

describe('classifyLicense', () => {
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.deepEqual(classifyLicense(input), expected));
  }

  test('an absurdly long field is text, quickly', () => {
    const long = Array.from({ length: 5000 }, () => 'MIT').join(' OR ');
    const started = Date.now();
    assert.equal(classifyLicense(long).kind, 'text');
    assert.ok(Date.now() - started < 1000);
  });

  test('deep nesting within the limit parses', () => {
    const nested = `${'('.repeat(200)}MIT${')'.repeat(200)}`;
    assert.deepEqual(classifyLicense(nested), { kind: 'id', id: 'MIT' });
  });
});
