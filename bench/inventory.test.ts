import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cycloneDxPurls, diffSets, dpkgInstalled, inventoryOf, purlKey } from './inventory.js';

describe('purlKey', () => {
  // Examples from the purl specification (github.com/package-url/purl-spec, README and PURL-TYPES) and the
  // shapes Trivy and Tollgate emit for Debian packages.
  const cases: Array<[string, { type: string; name: string; version: string } | undefined]> = [
    ['pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie', { type: 'deb', name: 'debian/curl', version: '7.50.3-1' }],
    ['pkg:deb/debian/libc6@2.36-9%2Bdeb12u10?arch=amd64', { type: 'deb', name: 'debian/libc6', version: '2.36-9+deb12u10' }],
    ['pkg:deb/debian/libgcrypt20@1.10.1-3?arch=amd64&epoch=1', { type: 'deb', name: 'debian/libgcrypt20', version: '1:1.10.1-3' }],
    ['pkg:deb/debian/perl-base@1:5.36.0-7?arch=amd64', { type: 'deb', name: 'debian/perl-base', version: '1:5.36.0-7' }],
    ['pkg:npm/%40angular/animation@12.3.1', { type: 'npm', name: '@angular/animation', version: '12.3.1' }],
    ['pkg:npm/foobar@12.3.1', { type: 'npm', name: 'foobar', version: '12.3.1' }],
    ['pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources', { type: 'maven', name: 'org.apache.xmlgraphics/batik-anim', version: '1.9.1' }],
    ['pkg:pypi/django@1.11.1#src/sub', { type: 'pypi', name: 'django', version: '1.11.1' }],
    ['pkg:PyPI/Django', { type: 'pypi', name: 'Django', version: '' }],
    ['not-a-purl', undefined],
    ['pkg:deb', undefined],
  ];
  for (const [purl, want] of cases) {
    test(purl, () => {
      const got = purlKey(purl);
      if (want === undefined) assert.equal(got, undefined);
      else assert.deepEqual(got, { ...want, key: `${want.name}@${want.version}` });
    });
  }
});

test('inventoryOf groups keys by type and drops duplicates', () => {
  const inv = inventoryOf(['pkg:npm/a@1', 'pkg:npm/a@1?x=y', 'pkg:npm/b@2', 'pkg:deb/debian/c@3', 'junk']);
  assert.deepEqual([...inv.keys()].sort(), ['deb', 'npm']);
  assert.deepEqual([...inv.get('npm')!].sort(), ['a@1', 'b@2']);
});

test('cycloneDxPurls walks nested components and skips metadata.component', () => {
  const doc = {
    metadata: { component: { purl: 'pkg:oci/image@sha256%3Aabc' } },
    components: [
      { type: 'operating-system', name: 'debian' },
      { type: 'library', purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb2' },
      { type: 'application', name: 'app/package-lock.json', components: [{ purl: 'pkg:npm/lodash@4.17.20' }] },
    ],
  };
  assert.deepEqual(cycloneDxPurls(doc), ['pkg:deb/debian/bash@5.2.15-2%2Bb2', 'pkg:npm/lodash@4.17.20']);
  assert.deepEqual(cycloneDxPurls(null), []);
});

test('dpkgInstalled keeps only installed stanzas', () => {
  const status = [
    'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nDescription: GNU shell\n continued line',
    'Package: curl\nStatus: deinstall ok config-files\nVersion: 7.88.1-10',
    'Package: libc6\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u10',
    'Package: half\nStatus: install ok half-installed\nVersion: 1',
    '',
  ].join('\n\n');
  assert.deepEqual([...dpkgInstalled(status)].sort(), ['debian/bash@5.2.15-2+b2', 'debian/libc6@2.36-9+deb12u10']);
});

test('diffSets', () => {
  assert.deepEqual(diffSets(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd'])), { onlyA: ['a'], onlyB: ['d'], both: 2 });
});
