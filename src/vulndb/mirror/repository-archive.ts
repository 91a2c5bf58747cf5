import { VulnDbError } from '../../core/index.js';
import { listMirrorFiles, mirrorHas, mirrorPath, readMirrorFiles } from './walk.js';
import { ZipReadError, zipEntries } from './zip.js';

/**
 * The files of an advisory repository (ruby-advisory-db, RustSec advisory-db, FriendsOfPHP security-advisories)
 * as a mirror holds them: either the checked-out tree under `folder` (the shared test mirror), or the GitHub
 * archive `folder/archive` that `db update` downloads (one request instead of thousands; entries are
 * "<repo>-<branch>/<path>" and are read without extraction). The archive wins when both are present, since it is
 * what the last update fetched.
 */
export interface RepositoryFile {
  /** Path inside the repository, e.g. "gems/rack/CVE-2011-5036.yml". */
  path: string;
  /** How error messages name it: the mirror-relative file, or "<archive>: entry <name>". */
  where: string;
  data: Buffer;
}

export async function* repositoryFiles(
  feedId: string,
  mirror: string,
  folder: string,
  archive: string,
  accept: (path: string) => boolean,
  signal?: AbortSignal,
): AsyncGenerator<RepositoryFile> {
  const zipRel = `${folder}/${archive}`;
  if (await mirrorHas(mirror, zipRel)) {
    const inRepo = (name: string) => name.slice(name.indexOf('/') + 1);
    try {
      for await (const { name, data } of zipEntries(mirrorPath(mirror, zipRel), (n) => accept(inRepo(n)), { signal })) {
        yield { path: inRepo(name), where: `${zipRel}: entry ${name}`, data };
      }
    } catch (e) {
      if (e instanceof ZipReadError) {
        throw new VulnDbError('MALFORMED_FEED', `${feedId}: ${zipRel}${e.entry ? `: entry ${e.entry}` : ''}: ${e.message}`, { cause: e });
      }
      throw e;
    }
    return;
  }
  const prefix = `${folder}/`;
  const files = await listMirrorFiles(mirror, folder, (rel) => rel.startsWith(prefix) && accept(rel.slice(prefix.length)));
  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal })) {
    yield { path: rel.slice(prefix.length), where: rel, data };
  }
}
