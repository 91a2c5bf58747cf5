import zlib from 'node:zlib';
import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, readMirrorFiles } from '../../mirror/walk.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { EpssLineError, parseEpss } from './parse-epss.js';

/** The full daily file is ~10 MB uncompressed (~300,000 CVEs); the limit leaves room to grow, not for a bomb. */
const MAX_CSV_BYTES = 512 * 1024 * 1024;

/** FIRST's Exploit Prediction Scoring System, daily CSV (plain or gzip). */
export const feed: Feed = {
  id: 'epss',
  description: 'FIRST EPSS: probability of exploitation per CVE',
  paths: ['epss/'],
  upstream: [{ url: 'https://epss.cyentia.com/epss_scores-current.csv.gz', path: 'epss/epss_scores-current.csv.gz' }],
  read: readEpss,
};

async function* readEpss(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const files = (await Promise.all(feed.paths.map((p) => listMirrorFiles(mirror, p, (f) => /\.csv(\.gz)?$/.test(f))))).flat();
  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal: ctx.signal })) {
    let text: string;
    try {
      text = (rel.endsWith('.gz') ? zlib.gunzipSync(data, { maxOutputLength: MAX_CSV_BYTES }) : data).toString('utf8');
    } catch (e) {
      throw new VulnDbError('MALFORMED_FEED', `epss: ${rel}: not a readable gzip file: ${(e as Error).message}`, { cause: e });
    }
    try {
      for (const enrichment of parseEpss(text)) yield { kind: 'enrichment', enrichment };
    } catch (e) {
      if (e instanceof EpssLineError) throw new VulnDbError('MALFORMED_FEED', `epss: ${rel}: ${e.message}`, { cause: e });
      throw e;
    }
  }
}
