import { VulnDbError } from '../../../core/index.js';
import { readFile } from 'node:fs/promises';
import { readJsonEnrichments } from '../../mirror/json-files.js';
import { mirrorPath } from '../../mirror/walk.js';
import type { DownloadContext, Feed, FeedContext, FeedRecord } from '../feed.js';
import { NvdFieldError, parseNvdPage } from './parse-nvd.js';

/**
 * NVD CVE API 2.0 response pages saved as files (`nvd/api-2.0/*.json`): CVSS as NVD (and the CNAs it lists) scored
 * it. Upstream is the paginated API https://services.nvd.nist.gov/rest/json/cves/2.0 (2,000 CVEs a page, rate
 * limited to 5 requests per 30 s without an API key); `db update` downloads it only when asked (`--feeds nvd`),
 * because the CVE 5 records (feed cve5) and OSV already carry the vectors most findings need.
 */
export const NVD_API = 'https://services.nvd.nist.gov/rest/json/cves/2.0';

export const feed: Feed = {
  id: 'nvd',
  description: 'NVD API 2.0: CVSS v2/v3.x/v4 metrics, CWE and descriptions per CVE',
  paths: ['nvd/'],
  upstream: [{ url: `${NVD_API}?startIndex=0&resultsPerPage=2000`, path: 'nvd/api-2.0/page-000000.json', note: 'first page; the rest is paged by startIndex' }],
  optIn: true,
  download: downloadNvd,
  read: readNvd,
};

const PAGE_SIZE = 2000;

/**
 * Pages through the API by startIndex (https://nvd.nist.gov/developers/vulnerabilities#divPagination), one file per
 * page. NVD asks for 6 s between requests without an API key (env NVD_API_KEY, sent as the `apiKey` header) and
 * allows ~0.6 s with one. TOLLGATE_NVD_API_URL points it at another server (tests, a proxy).
 */
async function downloadNvd(into: string, ctx: DownloadContext): Promise<void> {
  const base = ctx.env.TOLLGATE_NVD_API_URL ?? NVD_API;
  const key = ctx.env.NVD_API_KEY;
  const headers = key ? { apiKey: key } : undefined;
  const pause = Number(ctx.env.TOLLGATE_NVD_PAUSE_MS ?? (key ? 600 : 6000));
  let start = 0;
  for (;;) {
    const url = `${base}?startIndex=${start}&resultsPerPage=${PAGE_SIZE}`;
    const rel = `nvd/api-2.0/page-${String(start).padStart(7, '0')}.json`;
    // Saved as served (upstream bytes), then read back for the paging fields.
    await ctx.download(url, rel, headers ? { headers } : undefined);
    let page: { totalResults?: unknown; vulnerabilities?: unknown };
    try {
      page = JSON.parse(await readFile(mirrorPath(into, rel), 'utf8')) as typeof page;
    } catch (e) {
      throw new VulnDbError('UPDATE_FAILED', `nvd: ${url}: not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (typeof page?.totalResults !== 'number' || !Array.isArray(page.vulnerabilities)) {
      throw new VulnDbError('UPDATE_FAILED', `nvd: ${url}: not an NVD API 2.0 page (no totalResults/vulnerabilities)`);
    }
    start += page.vulnerabilities.length;
    if (page.vulnerabilities.length === 0 || start >= page.totalResults) return;
    await ctx.sleep(pause);
  }
}

function readNvd(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  return readJsonEnrichments(feed.id, mirror, feed.paths, ctx, parseNvdPage, NvdFieldError);
}
