import { readJsonEnrichments } from '../../mirror/json-files.js';
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

function readKev(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  return readJsonEnrichments(feed.id, mirror, feed.paths, ctx, parseKev, KevFieldError);
}
