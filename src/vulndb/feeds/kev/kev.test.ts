/** The kev feed on the real catalog, checked row by row against the CSV form of the same catalog. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VulnDbError, type CveEnrichment } from '../../../core/index.js';
import { shared } from '../../../../test/support/paths.js';
import { feed } from './index.js';

async function readAll(dir: string): Promise<CveEnrichment[]> {
  const out: CveEnrichment[] = [];
  for await (const r of feed.read(dir, { warn: () => {} })) if (r.kind === 'enrichment') out.push(r.enrichment);
  return out;
}

/** RFC 4180 rows (quoted fields may hold commas and doubled quotes). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

let all: CveEnrichment[];
before(async () => {
  all = await readAll(shared('vulndb'));
});

describe('kev feed', () => {
  test('every catalog entry, equal to the CSV rows of the same catalog version', () => {
    const [header, ...rows] = csvRows(readFileSync(shared('vulndb', 'kev', 'known_exploited_vulnerabilities.csv'), 'utf8'));
    const col = (n: string) => header!.indexOf(n);
    assert.equal(rows.length, 1404);
    assert.equal(all.length, rows.length);
    const byCve = new Map(all.map((e) => [e.cve, e]));
    for (const r of rows) {
      const e = byCve.get(r[col('cveID')]!);
      assert.ok(e, r[col('cveID')]);
      assert.equal(e.kev?.dateAdded, r[col('dateAdded')]);
      assert.equal(e.kev?.dueDate, r[col('dueDate')]);
      assert.equal(e.kev?.knownRansomware, r[col('knownRansomwareCampaignUse')] === 'Known');
      const cwes = r[col('cwes')]!.split(',').map((c) => c.trim()).filter(Boolean);
      assert.deepEqual(e.cwes ?? [], cwes, e.cve);
    }
  });

  test('CVE-2021-44228 (Log4Shell)', () => {
    const e = all.find((x) => x.cve === 'CVE-2021-44228')!;
    assert.equal(e.kev?.dateAdded, '2021-12-10');
    assert.equal(e.kev?.dueDate, '2021-12-24');
    assert.equal(e.kev?.knownRansomware, true);
    assert.match(e.kev?.requiredAction ?? '', /^For all affected software assets for which updates exist/);
    assert.deepEqual(e.cwes, ['CWE-20', 'CWE-400', 'CWE-502']);
  });

  describe('malformed catalogs', () => {
    let tmp: string;
    before(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-kev-'));
    });
    after(async () => {
      await rm(tmp, { recursive: true, force: true });
    });
    async function failWith(name: string, content: string): Promise<string> {
      const dir = path.join(tmp, name);
      await mkdir(path.join(dir, 'kev'), { recursive: true });
      await writeFile(path.join(dir, 'kev', 'known_exploited_vulnerabilities.json'), content);
      try {
        await readAll(dir);
      } catch (e) {
        assert.ok(e instanceof VulnDbError && e.code === 'MALFORMED_FEED', String(e));
        return e.message;
      }
      return assert.fail('expected MALFORMED_FEED');
    }
    const real = () => readFileSync(shared('vulndb', 'kev', 'known_exploited_vulnerabilities.json'), 'utf8');
    test('truncated', async () => {
      assert.match(await failWith('t', real().slice(0, 5000)), /kev: kev\/known_exploited_vulnerabilities\.json: not valid JSON/);
    });
    test('a date of the wrong type names the CVE', async () => {
      const doc = JSON.parse(real()) as { vulnerabilities: Record<string, unknown>[] };
      doc.vulnerabilities[3]!.dateAdded = 20250101;
      const cve = doc.vulnerabilities[3]!.cveID as string;
      assert.match(await failWith('d', JSON.stringify(doc)), new RegExp(`${cve}: dateAdded: expected a YYYY-MM-DD date`));
    });
    test('a missing cveID names the entry', async () => {
      const doc = JSON.parse(real()) as { vulnerabilities: Record<string, unknown>[] };
      delete doc.vulnerabilities[7]!.cveID;
      assert.match(await failWith('c', JSON.stringify(doc)), /vulnerabilities\[7\]\.cveID: expected a CVE id/);
    });
  });
});
