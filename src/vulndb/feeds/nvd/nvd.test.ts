/** The nvd feed on every NVD API 2.0 page of the mirror, hand-read records, and malformed copies. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VulnDbError, type CveEnrichment } from '../../../core/index.js';
import { shared } from '../../../../test/support/paths.js';
import { feed } from './index.js';

async function readAll(dir: string): Promise<CveEnrichment[]> {
  const out: CveEnrichment[] = [];
  for await (const r of feed.read(dir, { warn: () => {} })) {
    assert.equal(r.kind, 'enrichment');
    if (r.kind === 'enrichment') out.push(r.enrichment);
  }
  return out;
}

const pagesDir = shared('vulndb', 'nvd', 'api-2.0');
let all: CveEnrichment[];
before(async () => {
  all = await readAll(shared('vulndb'));
});

describe('nvd feed on the mirror', () => {
  test('one enrichment per CVE object of every page (pages overlap: the same CVE may come twice)', () => {
    let objects = 0;
    let metrics = 0;
    for (const f of readdirSync(pagesDir)) {
      const page = JSON.parse(readFileSync(path.join(pagesDir, f), 'utf8')) as { vulnerabilities: { cve: { metrics?: Record<string, unknown[]> } }[] };
      objects += page.vulnerabilities.length;
      for (const v of page.vulnerabilities) for (const list of Object.values(v.cve.metrics ?? {})) metrics += list.length;
    }
    assert.equal(objects, 45);
    assert.equal(all.length, objects);
    assert.equal(all.flatMap((e) => e.cvss ?? []).length, metrics);
  });

  test('CVE-2022-1576: NVD v3.1 and v2 scores, the CNA CWE, the English description', () => {
    const e = all.find((x) => x.cve === 'CVE-2022-1576')!;
    assert.deepEqual(e.cvss, [
      { version: '2.0', vector: 'AV:N/AC:M/Au:N/C:N/I:P/A:N', score: 4.3, source: 'nvd' },
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N', score: 6.5, source: 'nvd' },
    ]);
    assert.deepEqual(e.cwes, ['CWE-352']);
    assert.match(e.description!, /^The WP Maintenance Mode & Coming Soon WordPress plugin before 2\.4\.5 is lacking CSRF/);
    assert.equal(e.published, '2022-07-11T13:15:08.503');
  });

  test('CVE-2024-5732: a v4.0 metric keeps its stated 6.9; CNA metrics are attributed to the CNA', () => {
    const e = all.find((x) => x.cve === 'CVE-2024-5732')!;
    assert.deepEqual(
      e.cvss?.map((c) => [c.version, c.score, c.source]),
      [
        ['2.0', 7.5, 'cna:cna@vuldb.com'],
        ['3.1', 9.8, 'nvd'],
        ['3.1', 7.3, 'cna:cna@vuldb.com'],
        ['4.0', 6.9, 'cna:cna@vuldb.com'],
      ],
    );
    assert.deepEqual(e.cwes, ['CWE-287']);
  });
});

describe('malformed pages', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-nvd-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  async function failWith(name: string, content: string): Promise<string> {
    const dir = path.join(tmp, name);
    await mkdir(path.join(dir, 'nvd', 'api-2.0'), { recursive: true });
    await writeFile(path.join(dir, 'nvd', 'api-2.0', 'page.json'), content);
    try {
      await readAll(dir);
    } catch (e) {
      assert.ok(e instanceof VulnDbError && e.code === 'MALFORMED_FEED', String(e));
      return e.message;
    }
    return assert.fail('expected MALFORMED_FEED');
  }
  const real = () => JSON.parse(readFileSync(path.join(pagesDir, 'vunnel-single-entry.json'), 'utf8')) as { vulnerabilities: { cve: Record<string, unknown> }[] };

  test('truncated JSON', async () => {
    const text = readFileSync(path.join(pagesDir, 'vunnel-single-entry.json'), 'utf8');
    assert.match(await failWith('truncated', text.slice(0, 500)), /nvd: nvd\/api-2\.0\/page\.json: not valid JSON/);
  });
  test('vulnerabilities of the wrong type', async () => {
    assert.match(await failWith('type', '{"vulnerabilities": {}}'), /page\.json: vulnerabilities: expected an array/);
  });
  test('a CVE without an id, metrics of the wrong type', async () => {
    const a = real();
    delete a.vulnerabilities[0]!.cve.id;
    assert.match(await failWith('noid', JSON.stringify(a)), /vulnerabilities\[0\]\.cve\.id: expected a CVE id/);
    const b = real();
    b.vulnerabilities[0]!.cve.metrics = { cvssMetricV31: 'x' };
    assert.match(await failWith('metrics', JSON.stringify(b)), /CVE-2022-1576: metrics\.cvssMetricV31: expected an array/);
  });
  test('unknown fields are tolerated; rejected CVEs are left out', async () => {
    const a = real();
    a.vulnerabilities[0]!.cve.somethingNew = { x: 1 };
    const dir = path.join(tmp, 'extra');
    await mkdir(path.join(dir, 'nvd'), { recursive: true });
    await writeFile(path.join(dir, 'nvd', 'p.json'), JSON.stringify(a));
    assert.equal((await readAll(dir)).length, 1);
    a.vulnerabilities[0]!.cve.vulnStatus = 'Rejected';
    await writeFile(path.join(dir, 'nvd', 'p.json'), JSON.stringify(a));
    assert.equal((await readAll(dir)).length, 0);
  });
});
