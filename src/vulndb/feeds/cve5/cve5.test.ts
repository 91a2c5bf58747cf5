/** The cve5 feed on every CVE 5 record of the mirror (CNA and CISA-ADP containers), hand-read records, bad copies. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VulnDbError, type CveEnrichment } from '../../../core/index.js';
import { shared } from '../../../../test/support/paths.js';
import { makeZip } from '../../../../test/support/zip-writer.js';
import { feed } from './index.js';

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));
}

async function readAll(dir: string): Promise<CveEnrichment[]> {
  const out: CveEnrichment[] = [];
  for await (const r of feed.read(dir, { warn: () => {} })) if (r.kind === 'enrichment') out.push(r.enrichment);
  return out;
}

const files = walk(shared('vulndb', 'cve', 'vulnrichment')).filter((f) => /CVE-\d+-\d+\.json$/.test(f));
let all: CveEnrichment[];
before(async () => {
  all = await readAll(shared('vulndb'));
});

type Rec = { cveMetadata: { cveId: string }; containers: { cna: { metrics?: Record<string, unknown>[] }; adp?: { providerMetadata: { shortName: string }; metrics?: Record<string, unknown>[] }[] } };

describe('cve5 feed on the mirror', () => {
  test('one enrichment per record; CVSS entries per container counted from the files', () => {
    assert.equal(files.length, 1277);
    assert.deepEqual(all.map((e) => e.cve).sort(), files.map((f) => path.basename(f, '.json')).sort());
    let cna = 0;
    let adp = 0;
    let kev = 0;
    for (const f of files) {
      const d = JSON.parse(readFileSync(f, 'utf8')) as Rec;
      for (const m of d.containers.cna.metrics ?? []) cna += Object.keys(m).filter((k) => k.startsWith('cvssV')).length;
      for (const a of d.containers.adp ?? []) {
        for (const m of a.metrics ?? []) {
          if (a.providerMetadata.shortName === 'CISA-ADP') adp += Object.keys(m).filter((k) => k.startsWith('cvssV')).length;
          if ((m.other as { type?: string } | undefined)?.type === 'kev') kev++;
        }
      }
    }
    const scores = all.flatMap((e) => e.cvss ?? []);
    assert.equal(scores.filter((c) => c.source.startsWith('cna:')).length, cna);
    assert.equal(scores.filter((c) => c.source === 'cisa-adp').length, adp);
    assert.equal(adp, 206, 'PROVENANCE.md: 206 CVSS from CISA-ADP');
    assert.equal(all.filter((e) => e.kev).length, kev);
  });

  test('CVE-2019-1069: CISA-ADP CVSS 7.8, CWE-59, KEV marker, publication date', () => {
    const e = all.find((x) => x.cve === 'CVE-2019-1069')!;
    assert.deepEqual(e.cvss, [{ version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', score: 7.8, source: 'cisa-adp' }]);
    assert.ok(e.cwes?.includes('CWE-59'));
    assert.deepEqual(e.kev, { dateAdded: '2024-09-18' });
    assert.equal(e.published, '2019-06-12T13:49:41');
  });

  test('CVE-2024-41110: the CNA (GitHub_M) vector is scored 9.9, not the stated 10', () => {
    const e = all.find((x) => x.cve === 'CVE-2024-41110')!;
    assert.deepEqual(e.cvss?.[0], { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', score: 9.9, source: 'cna:GitHub_M' });
  });

  test('v4.0 metrics keep their stated scores', () => {
    let checked = 0;
    for (const f of files) {
      const d = JSON.parse(readFileSync(f, 'utf8')) as Rec;
      for (const m of d.containers.cna.metrics ?? []) {
        const v4 = m.cvssV4_0 as { vectorString: string; baseScore: number } | undefined;
        if (!v4) continue;
        const e = all.find((x) => x.cve === d.cveMetadata.cveId)!;
        assert.ok(e.cvss?.some((c) => c.version === '4.0' && c.vector === v4.vectorString && c.score === v4.baseScore), d.cveMetadata.cveId);
        checked++;
      }
    }
    assert.equal(checked, 44);
  });
});

describe('archives and malformed records', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-cve5-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const real = () => readFileSync(files[0]!, 'utf8');

  test('a GitHub archive of the repository (cve/*.zip) reads like the tree', async () => {
    const some = files.slice(0, 50);
    const dir = path.join(tmp, 'zip');
    await mkdir(path.join(dir, 'cve'), { recursive: true });
    await writeFile(
      path.join(dir, 'cve', 'vulnrichment-develop.zip'),
      makeZip([{ name: 'vulnrichment-develop/', content: '' }, ...some.map((f) => ({ name: `vulnrichment-develop/${path.relative(shared('vulndb', 'cve', 'vulnrichment'), f)}`, content: readFileSync(f) }))]),
    );
    const got = await readAll(dir);
    assert.deepEqual(got, all.filter((e) => some.some((f) => path.basename(f, '.json') === e.cve)));
  });

  async function failWith(name: string, content: string): Promise<string> {
    const dir = path.join(tmp, name);
    await mkdir(path.join(dir, 'cve', '2024'), { recursive: true });
    await writeFile(path.join(dir, 'cve', '2024', 'CVE-2024-0001.json'), content);
    try {
      await readAll(dir);
    } catch (e) {
      assert.ok(e instanceof VulnDbError && e.code === 'MALFORMED_FEED', String(e));
      return e.message;
    }
    return assert.fail('expected MALFORMED_FEED');
  }
  test('truncated JSON names the file', async () => {
    assert.match(await failWith('t', real().slice(0, 300)), /cve5: cve\/2024\/CVE-2024-0001\.json: not valid JSON/);
  });
  test('missing cveMetadata, wrong container types', async () => {
    const a = JSON.parse(real()) as Record<string, unknown>;
    delete a.cveMetadata;
    assert.match(await failWith('m', JSON.stringify(a)), /CVE-2024-0001\.json: cveMetadata: expected an object/);
    const b = JSON.parse(real()) as { cveMetadata: { cveId: string }; containers: Record<string, unknown> };
    b.containers.adp = { not: 'an array' };
    assert.match(await failWith('adp', JSON.stringify(b)), new RegExp(`${b.cveMetadata.cveId}: containers\\.adp: expected an array`));
  });
  test('REJECTED records yield nothing; unknown fields are tolerated', async () => {
    const a = JSON.parse(real()) as { cveMetadata: Record<string, unknown>; x_new?: unknown };
    a.x_new = [1];
    const dir = path.join(tmp, 'ok');
    await mkdir(path.join(dir, 'cve'), { recursive: true });
    await writeFile(path.join(dir, 'cve', 'CVE-2024-0002.json'), JSON.stringify(a));
    assert.equal((await readAll(dir)).length, 1);
    a.cveMetadata.state = 'REJECTED';
    await writeFile(path.join(dir, 'cve', 'CVE-2024-0002.json'), JSON.stringify(a));
    assert.equal((await readAll(dir)).length, 0);
  });
});
