import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, readMirrorFiles } from '../../mirror/walk.js';
import { parseSecdb } from '../../secdb/parse-secdb.js';
import { SecdbAdvisories } from '../../secdb/secdb-advisories.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';

/**
 * Wolfi and Chainguard secdb (`security.json`, the Alpine secdb format without branches: both are rolling
 * distributions), parsed by the same parser as the alpine feed (src/vulndb/secdb/). distro "wolfi:rolling" or "chainguard:rolling" by the
 * folder the file is in; apk ecosystem, packages by origin name. One advisory per id covers both distributions.
 */
export const feed: Feed = {
  id: 'wolfi',
  description: 'Wolfi and Chainguard secdb (security.json)',
  paths: ['wolfi/', 'chainguard/', 'samples/wolfi/secdb/', 'samples/chainguard/secdb/'],
  upstream: [
    { url: 'https://packages.wolfi.dev/os/security.json', path: 'wolfi/secdb/security.json', note: 'Wolfi OS' },
    { url: 'https://packages.cgr.dev/chainguard/security.json', path: 'chainguard/secdb/security.json', note: 'Chainguard' },
  ],
  read: readWolfi,
};

/** The distribution a secdb file belongs to, from its mirror path. */
export function wolfiDistro(rel: string): string | undefined {
  const m = /(?:^|\/)(wolfi|chainguard)\//.exec(rel);
  return m ? `${m[1]}:rolling` : undefined;
}

async function* readWolfi(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const files: string[] = [];
  for (const p of feed.paths) files.push(...(await listMirrorFiles(mirror, p, (rel) => /(?:^|\/)security\.json$/.test(rel))));
  const advisories = new SecdbAdvisories(feed.id);
  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal: ctx.signal })) {
    const distro = wolfiDistro(rel);
    if (!distro) throw new VulnDbError('MALFORMED_FEED', `wolfi: ${rel}: not under a wolfi/ or chainguard/ folder`);
    advisories.add(distro, rel, parseSecdb(feed.id, rel, data), ctx);
  }
  // Whole feed parsed before the first record: a malformed file fails the feed with nothing half-written.
  for (const advisory of advisories.values()) yield { kind: 'advisory', advisory };
}
