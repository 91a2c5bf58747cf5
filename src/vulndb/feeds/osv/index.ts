import path from 'node:path';
import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, mirrorPath, readMirrorFiles } from '../../mirror/walk.js';
import { ZipReadError, zipEntries } from '../../mirror/zip.js';
import { YamlPool, decodeYaml } from '../../mirror/yaml-pool.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { DOWNLOADED_ECOSYSTEMS } from './ecosystems.js';
import { OsvFieldError, parseOsv, type OsvParseContext } from './parse-osv.js';

/**
 * OSV records (https://ossf.github.io/osv-schema/) in every form the mirror holds them:
 *  - directory trees of `*.json` records (github/advisory-database, golang/vulndb, Ubuntu and Chainguard OSV);
 *  - the PyPA advisory database, OSV serialised as YAML (`vulns/<pkg>/PYSEC-*.yaml`);
 *  - per-ecosystem `all.zip` archives as the OSV bucket serves them (`osv/<Ecosystem>/all.zip`).
 * GHSA records reach an online update through OSV's per-ecosystem archives (OSV imports the GitHub Advisory
 * Database), so `ghsa/` is only read when a mirror provides it.
 */
const OSV_BUCKET = 'https://osv-vulnerabilities.storage.googleapis.com';

export const feed: Feed = {
  id: 'osv',
  description: 'OSV: GitHub Advisory Database, Go, PyPA, RustSec… and the distro ecosystems OSV carries',
  paths: ['osv/', 'ghsa/', 'samples/ubuntu/osv/', 'samples/chainguard/osv/'],
  upstream: DOWNLOADED_ECOSYSTEMS.map((e) => ({
    url: `${OSV_BUCKET}/${encodeURIComponent(e)}/all.zip`,
    path: `osv/${e}/all.zip`,
    note: `every OSV record of the ${e} ecosystem`,
  })),
  read: readOsv,
};

const RECORD_FILE = /\.(json|ya?ml)$/i;

function accept(rel: string): boolean {
  return RECORD_FILE.test(rel) || /\.zip$/i.test(rel);
}

const YAML_FILE = /\.ya?ml$/i;

function text(data: Buffer): string {
  const t = data.toString('utf8');
  return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
}

/** Decodes one file's bytes: JSON, or YAML by extension (failsafe schema, see yaml-pool.ts). */
export function decodeRecord(name: string, data: Buffer): unknown {
  return YAML_FILE.test(name) ? decodeYaml(text(data)) : JSON.parse(text(data));
}

function decodeNow(name: string, data: Buffer): Promise<unknown> {
  try {
    return Promise.resolve(decodeRecord(name, data));
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

function decodeError(rel: string, entry: string | undefined, e: unknown): VulnDbError {
  const where = entry ? `${rel}: entry ${entry}` : rel;
  return new VulnDbError('MALFORMED_FEED', `osv: ${where}: not valid ${YAML_FILE.test(entry ?? rel) ? 'YAML' : 'JSON'}: ${firstLine(e)}`, { cause: e });
}

async function* readOsv(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const skipped = new Map<string, number>();
  const parseCtx: OsvParseContext = {
    skippedEcosystem: (e) => skipped.set(e, (skipped.get(e) ?? 0) + 1),
    warn: (m) => ctx.warn(m),
  };
  const files: string[] = [];
  for (const p of feed.paths) files.push(...(await listMirrorFiles(mirror, p, accept)));

  const recordFiles = files.filter((f) => RECORD_FILE.test(f));
  // YAML records are decoded on worker threads, a window of files ahead of the one being parsed and yielded.
  const pool = recordFiles.filter((f) => YAML_FILE.test(f)).length >= 64 ? YamlPool.create() : undefined;
  try {
    const window: { rel: string; doc: Promise<unknown> }[] = [];
    const reader = readMirrorFiles(mirror, recordFiles, { signal: ctx.signal })[Symbol.asyncIterator]();
    let done = false;
    for (;;) {
      while (!done && window.length < 256) {
        const next = await reader.next();
        if (next.done) {
          done = true;
          break;
        }
        const { rel, data } = next.value;
        const doc = pool && YAML_FILE.test(rel) ? pool.decode(text(data)) : decodeNow(rel, data);
        doc.catch(() => undefined); // awaited below, in order
        window.push({ rel, doc });
      }
      const head = window.shift();
      if (!head) break;
      let doc: unknown;
      try {
        doc = await head.doc;
      } catch (e) {
        throw decodeError(head.rel, undefined, e);
      }
      const record = toRecord(head.rel, undefined, doc, parseCtx);
      if (record) yield record;
    }
  } finally {
    await pool?.close();
  }
  for (const rel of files.filter((f) => /\.zip$/i.test(f))) {
    try {
      for await (const { name, data } of zipEntries(mirrorPath(mirror, rel), (n) => /\.json$/i.test(n), { signal: ctx.signal })) {
        let doc: unknown;
        try {
          doc = decodeRecord(name, data);
        } catch (e) {
          throw decodeError(rel, name, e);
        }
        const record = toRecord(rel, name, doc, parseCtx);
        if (record) yield record;
      }
    } catch (e) {
      if (e instanceof ZipReadError) {
        throw new VulnDbError('MALFORMED_FEED', `osv: ${rel}${e.entry ? `: entry ${e.entry}` : ''}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
  if (skipped.size) {
    const list = [...skipped].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${e} (${n})`);
    ctx.warn(`osv: skipped affected packages of ecosystems Tollgate does not match: ${list.join(', ')}`);
  }
}

function toRecord(rel: string, entry: string | undefined, doc: unknown, ctx: OsvParseContext): FeedRecord | undefined {
  const where = entry ? `${rel}: entry ${entry}` : rel;
  // OSV's index files (`all.json`: [{id, modified}, …]) list the records beside them; they are not records.
  if (Array.isArray(doc) && path.posix.basename(entry ?? rel) === 'all.json') return undefined;
  try {
    return { kind: 'advisory', advisory: parseOsv(doc, ctx) };
  } catch (e) {
    if (e instanceof OsvFieldError) {
      const id = doc && typeof doc === 'object' && typeof (doc as { id?: unknown }).id === 'string' ? (doc as { id: string }).id : undefined;
      throw new VulnDbError('MALFORMED_FEED', `osv: ${where}${id ? `: ${id}` : ''}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!;
}
