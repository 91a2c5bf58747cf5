import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, mirrorPath, readMirrorFiles } from '../../mirror/walk.js';
import { ZipReadError, zipEntries } from '../../mirror/zip.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { Cve5FieldError, parseCve5 } from './parse-cve5.js';
import { parseFeedJson } from '../../mirror/json-files.js';

/**
 * CVE JSON 5.x records (`cve/**\/CVE-*.json`, as in CVEProject/cvelistV5 and cisagov/vulnrichment), and GitHub
 * archives of those repositories (`cve/*.zip`). Online, `db update` downloads the CISA vulnrichment archive: every
 * CVE CISA has enriched (CVSS, CWE, SSVC, KEV) with its CNA container. The whole CVE list
 * (https://github.com/CVEProject/cvelistV5/archive/refs/heads/main.zip, ~500 MB) can be dropped into `cve/` of an
 * offline mirror the same way.
 */
export const feed: Feed = {
  id: 'cve5',
  description: 'CVE JSON 5 records (CNA and CISA-ADP containers): CVSS, CWE, descriptions',
  paths: ['cve/'],
  upstream: [
    {
      url: 'https://github.com/cisagov/vulnrichment/archive/refs/heads/develop.zip',
      path: 'cve/vulnrichment-develop.zip',
      note: 'CISA vulnrichment: CVE 5 records with the CISA-ADP container',
    },
  ],
  read: readCve5,
};

const RECORD = /(^|\/)CVE-\d{4}-\d+\.json$/;

async function* readCve5(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const files = (await Promise.all(feed.paths.map((p) => listMirrorFiles(mirror, p, (f) => RECORD.test(f) || f.endsWith('.zip'))))).flat();
  for await (const { rel, data } of readMirrorFiles(mirror, files.filter((f) => RECORD.test(f)), { signal: ctx.signal })) {
    const r = toRecord(rel, data);
    if (r) yield r;
  }
  for (const rel of files.filter((f) => f.endsWith('.zip'))) {
    try {
      for await (const { name, data } of zipEntries(mirrorPath(mirror, rel), (n) => RECORD.test(n), { signal: ctx.signal })) {
        const r = toRecord(`${rel}: entry ${name}`, data);
        if (r) yield r;
      }
    } catch (e) {
      if (e instanceof ZipReadError) throw new VulnDbError('MALFORMED_FEED', `cve5: ${rel}${e.entry ? `: entry ${e.entry}` : ''}: ${e.message}`, { cause: e });
      throw e;
    }
  }
}

function toRecord(where: string, data: Buffer): FeedRecord | undefined {
  const doc = parseFeedJson('cve5', where, data);
  try {
    const enrichment = parseCve5(doc);
    return enrichment ? { kind: 'enrichment', enrichment } : undefined;
  } catch (e) {
    if (e instanceof Cve5FieldError) throw new VulnDbError('MALFORMED_FEED', `cve5: ${where}: ${e.message}`, { cause: e });
    throw e;
  }
}
