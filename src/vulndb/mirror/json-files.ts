import { VulnDbError, type CveEnrichment } from '../../core/index.js';
import type { FeedContext, FeedRecord } from '../feeds/feed.js';
import { listMirrorFiles, readMirrorFiles } from './walk.js';

/** JSON.parse of a feed file; invalid JSON is MALFORMED_FEED naming the feed and the file. */
export function parseFeedJson(feedId: string, where: string, data: Buffer | string): unknown {
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (e) {
    throw new VulnDbError('MALFORMED_FEED', `${feedId}: ${where}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The enrichments of every `*.json` file under `paths` (KEV, NVD pages): each file parsed with `parse`, whose
 * field errors (instances of `fieldError`) become MALFORMED_FEED naming the file.
 */
export async function* readJsonEnrichments(
  feedId: string,
  mirror: string,
  paths: readonly string[],
  ctx: FeedContext,
  parse: (doc: unknown) => CveEnrichment[],
  fieldError: abstract new (...args: never[]) => Error,
): AsyncGenerator<FeedRecord> {
  const files = (await Promise.all(paths.map((p) => listMirrorFiles(mirror, p, (f) => f.endsWith('.json'))))).flat();
  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal: ctx.signal })) {
    const doc = parseFeedJson(feedId, rel, data);
    let records: CveEnrichment[];
    try {
      records = parse(doc);
    } catch (e) {
      if (e instanceof fieldError) throw new VulnDbError('MALFORMED_FEED', `${feedId}: ${rel}: ${e.message}`, { cause: e });
      throw e;
    }
    for (const enrichment of records) yield { kind: 'enrichment', enrichment };
  }
}
