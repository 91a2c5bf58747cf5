/** The epss feed on the real sample (plain and gzip), and malformed rows. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { VulnDbError, type CveEnrichment } from '../../../core/index.js';
import { shared } from '../../../../test/support/paths.js';
import { feed } from './index.js';

async function readAll(dir: string): Promise<CveEnrichment[]> {
  const out: CveEnrichment[] = [];
  for await (const r of feed.read(dir, { warn: () => {} })) if (r.kind === 'enrichment') out.push(r.enrichment);
  return out;
}

const sample = () => readFileSync(shared('vulndb', 'epss', 'epss_scores-sample.csv'));

describe('epss feed', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-epss-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  async function mirrorWith(name: string, file: string, content: Buffer | string): Promise<string> {
    const dir = path.join(tmp, name);
    await mkdir(path.join(dir, 'epss'), { recursive: true });
    await writeFile(path.join(dir, 'epss', file), content);
    return dir;
  }

  test('every row of the real sample, with the score date of its comment line', async () => {
    const all = await readAll(shared('vulndb'));
    const rows = sample().toString('utf8').trim().split('\n').filter((l) => /^CVE-/.test(l));
    assert.equal(all.length, rows.length);
    assert.equal(all.length, 5);
    assert.deepEqual(all[0], { cve: 'CVE-1999-0001', epss: { score: 0.00383, percentile: 0.73075, date: '2025-02-20' } });
    assert.deepEqual(all[4], { cve: 'CVE-1999-0005', epss: { score: 0.91963, percentile: 0.99214, date: '2025-02-20' } });
  });

  test('the gzip form as downloaded (epss_scores-current.csv.gz) reads the same', async () => {
    const plain = await readAll(await mirrorWith('plain', 'a.csv', sample()));
    const gz = await readAll(await mirrorWith('gz', 'epss_scores-current.csv.gz', zlib.gzipSync(sample())));
    assert.deepEqual(gz, plain);
  });

  test('a score out of range names the file, line and CVE', async () => {
    const bad = sample().toString('utf8').replace('CVE-1999-0003,0.04409', 'CVE-1999-0003,4.409');
    await assert.rejects(readAll(await mirrorWith('range', 'e.csv', bad)), (e: unknown) => {
      assert.ok(e instanceof VulnDbError && e.code === 'MALFORMED_FEED');
      assert.match(e.message, /epss: epss\/e\.csv: line 5: CVE-1999-0003: epss must be a number in \[0, 1\]/);
      return true;
    });
  });

  test('no header, a bad CVE id, a broken gzip', async () => {
    await assert.rejects(readAll(await mirrorWith('nohead', 'e.csv', 'CVE-1999-0001,0.1,0.2\n')), /line 1: expected a header/);
    await assert.rejects(readAll(await mirrorWith('badid', 'e.csv', 'cve,epss,percentile\nCVE-XX,0.1,0.2\n')), /line 2: expected a CVE id/);
    await assert.rejects(readAll(await mirrorWith('badgz', 'e.csv.gz', zlib.gzipSync(sample()).subarray(0, 40))), /epss\/e\.csv\.gz: not a readable gzip file/);
  });
});
