/**
 * The SQLite store: round trip of advisories, lookups keyed as the matcher asks, withdrawn records, duplicate ids,
 * alias groups, merged enrichment, status counts, and the errors for missing/corrupt/other-schema files.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { VulnDbError, type Advisory, type CveEnrichment } from '../../core/index.js';
import { AliasGroups } from './alias-groups.js';
import { mergeEnrichments } from './merge-enrichment.js';
import { SCHEMA_VERSION } from './schema.js';
import { StoreBuilder } from './store-builder.js';
import { VulnStore } from './vuln-store.js';

const ghsa: Advisory = {
  id: 'GHSA-jf85-cpcp-j695',
  source: 'osv',
  aliases: ['CVE-2019-10744'],
  summary: 'Prototype Pollution in lodash',
  details: 'Versions of `lodash` before 4.17.12 are vulnerable to Prototype Pollution.',
  published: '2019-07-10T19:45:23Z',
  modified: '2023-09-05T22:24:55Z',
  severity: 'CRITICAL',
  cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 9.1, source: 'ghsa' }],
  cwes: ['CWE-20'],
  references: ['https://nvd.nist.gov/vuln/detail/CVE-2019-10744'],
  affected: [
    { ecosystem: 'npm', name: 'lodash', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.12' }] }] },
    { ecosystem: 'npm', name: 'lodash-es', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.14' }] }] },
  ],
};
const pysec: Advisory = {
  id: 'PYSEC-2020-341',
  source: 'osv',
  aliases: [],
  affected: [{ ecosystem: 'pypi', name: 'jw-util', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.3' }] }] }],
};
const withdrawn: Advisory = {
  id: 'PYSEC-2023-73',
  source: 'osv',
  aliases: ['CVE-2023-28858'],
  withdrawn: '2023-06-06T10:37:00Z',
  affected: [{ ecosystem: 'pypi', name: 'redis', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.5.3' }] }] }],
};
// One problem, three ids: GO- states both the CVE and the GHSA; a GHSA states the CVE.
const go: Advisory = {
  id: 'GO-2022-0969',
  source: 'osv',
  aliases: ['CVE-2022-27664', 'GHSA-69cg-p879-7622'],
  affected: [{ ecosystem: 'golang', name: 'golang.org/x/net', status: 'affected', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.0.0-20220906165146-f3363e06e74c' }] }] }],
};
// A bundle fixing two CVEs must not merge their groups.
const dsa: Advisory = {
  id: 'DSA-5000-1',
  source: 'debian',
  aliases: ['CVE-2022-27664', 'CVE-2019-10744'],
  affected: [{ ecosystem: 'deb', distro: 'debian:12', name: 'golang-1.19', status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.19.8-2' }] }] }],
};
const debianCve: Advisory = {
  id: 'CVE-2019-10744',
  source: 'debian',
  aliases: [],
  modified: '2024-01-01T00:00:00Z',
  affected: [{ ecosystem: 'deb', distro: 'debian:12', name: 'node-lodash', status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.15+dfsg-1' }] }] }],
};
const alpineCve: Advisory = {
  id: 'CVE-2019-10744',
  source: 'alpine',
  aliases: [],
  affected: [{ ecosystem: 'apk', distro: 'alpine:3.19', name: 'lodash', status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.12-r0' }] }] }],
};
const nuget: Advisory = {
  id: 'GHSA-5crp-9r3c-p9vr',
  source: 'osv',
  aliases: ['CVE-2024-21907'],
  affected: [{ ecosystem: 'nuget', name: 'Newtonsoft.Json', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '13.0.1' }] }] }],
};

let tmp: string;
let dbFile: string;
let store: VulnStore;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-store-'));
  dbFile = path.join(tmp, 'test.db');
  const b = new StoreBuilder(dbFile);
  assert.deepEqual(b.addBatch('osv', [ghsa, pysec, withdrawn, go, nuget], []), { duplicates: 0 });
  // The same feed again: an older copy of GHSA-jf85 is kept out, a newer copy of GO-2022-0969 replaces the first.
  const older = { ...ghsa, modified: '2020-01-01T00:00:00Z', affected: [{ ...ghsa.affected[0]!, name: 'not-lodash' }] };
  const newer = { ...go, modified: '2030-01-01T00:00:00Z', affected: [{ ...go.affected[0]!, ranges: [{ type: 'SEMVER' as const, events: [{ introduced: '0' }, { fixed: '0.1.0' }] }] }] };
  assert.deepEqual(b.addBatch('osv', [older, newer], []), { duplicates: 2 });
  // Distro feeds key by CVE id: two feeds, one id, two advisories (one problem through the alias group).
  assert.deepEqual(b.addBatch('debian', [dsa, debianCve], []), { duplicates: 0 });
  assert.deepEqual(b.addBatch('alpine', [alpineCve], []), { duplicates: 0 });
  const enrich: [string, CveEnrichment][] = [
    ['cve5', { cve: 'CVE-2019-10744', description: 'from the CVE record', cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 9.1, source: 'cna:snyk' }] }],
    ['nvd', { cve: 'CVE-2019-10744', description: 'from NVD', cwes: ['CWE-1321'], cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 9.1, source: 'nvd' }] }],
    ['kev', { cve: 'CVE-2019-10744', kev: { dateAdded: '2024-01-01', dueDate: '2024-01-22' } }],
    ['epss', { cve: 'CVE-2019-10744', epss: { score: 0.1, percentile: 0.5, date: '2025-02-20' } }],
    ['epss', { cve: 'CVE-2022-27664', epss: { score: 0.2, percentile: 0.6 } }],
  ];
  for (const [feed, e] of enrich) b.addBatch(feed, [], [e]);
  b.addFeed({ id: 'osv', description: 'OSV', origin: '/mirror', records: 5, advisories: 5, enrichments: 0, duplicates: 0, warnings: ['w1'] }, '2026-01-01T00:00:00Z');
  const counts = b.finish({ built_at: '2026-01-01T00:00:00.000Z', tool_version: '9.9.9', source: '/mirror' });
  assert.deepEqual(counts, { advisories: 8, affected: 9, enrichments: 2, groups: 5 });
  store = VulnStore.open(dbFile);
});
after(async () => {
  store?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('VulnStore', () => {
  test('advisory(id) returns the advisory as written, with its group', () => {
    assert.deepEqual(store.advisory('GHSA-jf85-cpcp-j695'), { ...ghsa, group: 'CVE-2019-10744' });
    assert.equal(store.advisory('GHSA-nope'), undefined);
  });

  test('lookup: the package statement and the advisory brief (no details/references/affected)', () => {
    const hits = store.lookup('npm', undefined, 'lodash');
    assert.equal(hits.length, 1);
    assert.deepEqual(hits[0]!.affected, ghsa.affected[0]);
    const { affected: _a, details: _d, references: _r, ...brief } = ghsa;
    assert.deepEqual(hits[0]!.advisory, { ...brief, group: 'CVE-2019-10744' });
    assert.deepEqual(store.lookup('npm', undefined, 'not-lodash'), [], 'the older copy left nothing behind');
    assert.deepEqual(store.lookup('npm', 'debian:12', 'lodash'), [], 'distro is part of the key');
    assert.deepEqual(store.lookup('pypi', undefined, 'lodash'), []);
  });

  test('lookup normalises names as the ecosystem does (PEP 503, NuGet case)', () => {
    for (const n of ['jw-util', 'jw.util', 'JW_Util', 'jw__util']) assert.equal(store.lookup('pypi', undefined, n).length, 1, n);
    assert.equal(store.lookup('nuget', undefined, 'newtonsoft.json').length, 1);
    assert.equal(store.lookup('nuget', undefined, 'NEWTONSOFT.JSON')[0]?.affected.name, 'Newtonsoft.Json');
    assert.equal(store.lookup('npm', undefined, 'Lodash').length, 0, 'npm names are case-sensitive');
  });

  test('withdrawn advisories only on request', () => {
    assert.deepEqual(store.lookup('pypi', undefined, 'redis'), []);
    assert.equal(store.lookup('pypi', undefined, 'redis', { includeWithdrawn: true })[0]?.advisory.withdrawn, '2023-06-06T10:37:00Z');
  });

  test("a feed's newer copy of an id replaces its older one everywhere", () => {
    const hits = store.lookup('golang', undefined, 'golang.org/x/net');
    assert.equal(hits.length, 1);
    assert.deepEqual(hits[0]!.affected.ranges[0]!.events, [{ introduced: '0' }, { fixed: '0.1.0' }]);
    assert.equal(store.advisory('GO-2022-0969')?.modified, '2030-01-01T00:00:00Z');
  });

  test("one id from several feeds: every feed's advisory is kept, advisory(id) is the newest", () => {
    assert.deepEqual(
      store.advisories('CVE-2019-10744').map((a) => [a.source, a.affected[0]!.distro, a.group]),
      [
        ['debian', 'debian:12', 'CVE-2019-10744'],
        ['alpine', 'alpine:3.19', 'CVE-2019-10744'],
      ],
    );
    assert.equal(store.advisory('CVE-2019-10744')?.source, 'debian');
    assert.equal(store.lookup('apk', 'alpine:3.19', 'lodash')[0]?.advisory.group, 'CVE-2019-10744');
    assert.equal(store.lookup('deb', 'debian:12', 'node-lodash')[0]?.advisory.id, 'CVE-2019-10744');
  });

  test('OS packages by distro', () => {
    const hits = store.lookup('deb', 'debian:12', 'golang-1.19');
    assert.equal(hits[0]?.advisory.id, 'DSA-5000-1');
    assert.equal(hits[0]?.affected.status, 'fixed');
    assert.deepEqual(store.lookup('deb', 'debian:11', 'golang-1.19'), []);
  });

  test('aliases: both directions and the group; a bundle of two CVEs does not merge their groups', () => {
    assert.deepEqual(store.aliasesOf('CVE-2022-27664'), ['DSA-5000-1', 'GHSA-69cg-p879-7622', 'GO-2022-0969']);
    assert.deepEqual(store.aliasesOf('GHSA-69cg-p879-7622'), ['CVE-2022-27664', 'DSA-5000-1', 'GO-2022-0969']);
    assert.deepEqual(store.aliasesOf('GHSA-jf85-cpcp-j695'), ['CVE-2019-10744']);
    assert.equal(store.groupOf('GO-2022-0969'), 'CVE-2022-27664');
    assert.equal(store.groupOf('GHSA-jf85-cpcp-j695'), 'CVE-2019-10744');
    // DSA-5000-1 names both CVEs (as aliases) but joins only the group of the first one.
    assert.equal(store.groupOf('DSA-5000-1'), 'CVE-2022-27664');
    assert.notEqual(store.groupOf('CVE-2019-10744'), store.groupOf('CVE-2022-27664'));
    assert.deepEqual(store.aliasesOf('DSA-5000-1'), ['CVE-2019-10744', 'CVE-2022-27664', 'GHSA-69cg-p879-7622', 'GO-2022-0969']);
    assert.equal(store.groupOf('PYSEC-2020-341'), 'PYSEC-2020-341');
    assert.equal(store.lookup('pypi', undefined, 'jw-util')[0]?.advisory.group, 'PYSEC-2020-341');
    assert.deepEqual(store.aliasesOf('CVE-1900-0001'), []);
  });

  test('enrichment merged across feeds, batched', () => {
    assert.deepEqual(store.enrichment('CVE-2019-10744'), {
      cve: 'CVE-2019-10744',
      description: 'from the CVE record',
      kev: { dateAdded: '2024-01-01', dueDate: '2024-01-22' },
      epss: { score: 0.1, percentile: 0.5, date: '2025-02-20' },
      cvss: [
        { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 9.1, source: 'cna:snyk' },
        { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 9.1, source: 'nvd' },
      ],
      cwes: ['CWE-1321'],
    });
    const m = store.enrichments(['CVE-2022-27664', 'CVE-2019-10744', 'CVE-2000-0001', 'CVE-2022-27664']);
    assert.deepEqual([...m.keys()].sort(), ['CVE-2019-10744', 'CVE-2022-27664']);
    assert.equal(store.enrichment('CVE-2000-0001'), undefined);
    assert.equal(store.enrichments([]).size, 0);
  });

  test('status: feeds, counts per ecosystem/distro/feed, build time and age', () => {
    const s = store.status(new Date('2026-01-02T00:00:00.000Z'));
    assert.equal(s.schemaVersion, SCHEMA_VERSION);
    assert.equal(s.toolVersion, '9.9.9');
    assert.equal(s.builtAt, '2026-01-01T00:00:00.000Z');
    assert.equal(s.ageMs, 86_400_000);
    assert.equal(s.source, '/mirror');
    assert.deepEqual(s.feeds.map((f) => [f.id, f.warnings]), [['osv', ['w1']]]);
    assert.deepEqual(s.counts, [
      { ecosystem: 'apk', distro: 'alpine:3.19', feed: 'alpine', advisories: 1, packages: 1 },
      { ecosystem: 'deb', distro: 'debian:12', feed: 'debian', advisories: 2, packages: 2 },
      { ecosystem: 'golang', feed: 'osv', advisories: 1, packages: 1 },
      { ecosystem: 'npm', feed: 'osv', advisories: 1, packages: 2 },
      { ecosystem: 'nuget', feed: 'osv', advisories: 1, packages: 1 },
      { ecosystem: 'pypi', feed: 'osv', advisories: 2, packages: 2 },
    ]);
    assert.deepEqual(s.totals, { advisories: 8, withdrawn: 1, affected: 9, enrichments: 2, aliases: 7, groups: 5 });
    assert.ok(s.sizeBytes > 0);
  });

  test('lookup speed sanity: 10,000 lookups (timing reported, not asserted)', () => {
    const names = ['lodash', 'lodash-es', 'express', 'left-pad', 'react'];
    const t0 = performance.now();
    let hits = 0;
    for (let i = 0; i < 10_000; i++) hits += store.lookup('npm', undefined, names[i % names.length]!).length;
    const perCall = (performance.now() - t0) / 10_000;
    assert.equal(hits, 4000);
    console.log(`# lookup: ${(perCall * 1000).toFixed(1)} µs per call`);
  });
});

describe('opening bad files', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof VulnDbError, String(e));
      assert.match(e.message, /tollgate db update/, 'says which command rebuilds it');
      return e.code;
    }
    return assert.fail('expected a VulnDbError');
  };

  test('missing → DB_MISSING', () => {
    assert.equal(code(() => VulnStore.open(path.join(tmp, 'nope.db'))), 'DB_MISSING');
  });
  test('not a database, truncated, a directory → DB_CORRUPT', () => {
    const garbage = path.join(tmp, 'garbage.db');
    writeFileSync(garbage, 'this is not an SQLite file, just text that is long enough to have a header '.repeat(100));
    assert.equal(code(() => VulnStore.open(garbage)), 'DB_CORRUPT');
    const cut = path.join(tmp, 'cut.db');
    copyFileSync(dbFile, cut);
    truncateSync(cut, Math.floor(readFileSync(cut).length / 2));
    assert.equal(code(() => VulnStore.open(cut)), 'DB_CORRUPT');
    assert.equal(code(() => VulnStore.open(tmp)), 'DB_CORRUPT');
  });
  test('another schema version → DB_SCHEMA', () => {
    const other = path.join(tmp, 'other.db');
    copyFileSync(dbFile, other);
    const db = new Database(other);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.equal(code(() => VulnStore.open(other)), 'DB_SCHEMA');
    const empty = path.join(tmp, 'empty.db');
    new Database(empty).exec('CREATE TABLE t (x)');
    assert.equal(code(() => VulnStore.open(empty)), 'DB_SCHEMA');
  });
});

describe('alias groups and enrichment merge rules', () => {
  test('groups never join two CVEs; the group id is the CVE, else the smallest id', () => {
    const g = new AliasGroups();
    assert.equal(g.link('GHSA-b', 'CVE-1'), true);
    assert.equal(g.link('GO-1', 'GHSA-b'), true);
    assert.equal(g.link('GHSA-c', 'CVE-2'), true);
    assert.equal(g.link('GHSA-b', 'CVE-2'), false);
    assert.equal(g.link('X-2', 'X-1'), true);
    const m = g.groups();
    assert.deepEqual(Object.fromEntries([...m].sort()), {
      'CVE-1': 'CVE-1',
      'CVE-2': 'CVE-2',
      'GHSA-b': 'CVE-1',
      'GHSA-c': 'CVE-2',
      'GO-1': 'CVE-1',
      'X-1': 'X-1',
      'X-2': 'X-1',
    });
  });

  test('enrichment: text from cve5 before nvd; KEV catalog over the ADP marker; newest EPSS', () => {
    const e = mergeEnrichments('CVE-1', [
      { feed: 'nvd', enrichment: { cve: 'CVE-1', description: 'nvd', published: 'p-nvd' } },
      { feed: 'kev', enrichment: { cve: 'CVE-1', kev: { dateAdded: 'd', dueDate: 'due' } } },
      { feed: 'cve5', enrichment: { cve: 'CVE-1', description: 'cve5', kev: { dateAdded: 'd' } } },
      { feed: 'epss', enrichment: { cve: 'CVE-1', epss: { score: 0.1, percentile: 0.1, date: '2025-01-01' } } },
      { feed: 'epss', enrichment: { cve: 'CVE-1', epss: { score: 0.2, percentile: 0.2, date: '2025-02-01' } } },
    ]);
    assert.deepEqual(e, { cve: 'CVE-1', description: 'cve5', published: 'p-nvd', kev: { dateAdded: 'd', dueDate: 'due' }, epss: { score: 0.2, percentile: 0.2, date: '2025-02-01' } });
  });
});
