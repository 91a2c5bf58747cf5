import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, readMirrorFiles } from '../../mirror/walk.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { KevFieldError, parseKev } from './parse-kev.js';

/** CISA's Known Exploited Vulnerabilities catalog (the CSV beside it carries the same rows and is not read). */
export const feed: Feed = {
  id: 'kev',
  description: 'CISA Known Exploited Vulnerabilities catalog',
  paths: ['kev/known_exploited_vulnerabilities.json'],
  upstream: [
    {
      url: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json',
      path: 'kev/known_exploited_vulnerabilities.json',
    },
  ],
  read: readKev,
};

async function* readKev(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const files = (await Promise.all(feed.paths.map((p) => listMirrorFiles(mirror, p, (f) => f.endsWith('.json'))))).flat();
  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal: ctx.signal })) {
    let doc: unknown;
    try {
      doc = JSON.parse(data.toString('utf8'));
    } catch (e) {
      throw new VulnDbError('MALFORMED_FEED', `kev: ${rel}: not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    let records;
    try {
      records = parseKev(doc);
    } catch (e) {
      if (e instanceof KevFieldError) throw new VulnDbError('MALFORMED_FEED', `kev: ${rel}: ${e.message}`, { cause: e });
      throw e;
    }
    for (const enrichment of records) yield { kind: 'enrichment', enrichment };
  }
}
