import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { SignError } from '../../core/index.js';
import { decodeTrustedRoot, defaultTrustedRootPath } from '../bundle/index.js';

/** The public-good Sigstore TUF repository (sigstore/root-signing), the only one @sigstore/tuf embeds a seed for. */
export const PUBLIC_GOOD_TUF_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
/** The TUF target holding the Sigstore trusted root (Fulcio CAs, Rekor and CT log keys, TSAs). */
const TRUSTED_ROOT_TARGET = 'trusted_root.json';

const requireHere = createRequire(import.meta.url);

/** What @sigstore/tuf ships in seeds.json for the public-good repository. */
export interface EmbeddedSeed {
  /** The trusted_root.json target as shipped (bytes as in the package). */
  trustedRoot: Buffer;
  /** The TUF root.json (the initial root of trust of the TUF client). */
  tufRoot: Buffer;
  /** "embedded seed of @sigstore/tuf 4.0.2" */
  source: string;
}

/**
 * The seed that @sigstore/tuf embeds (seeds.json, keyed by mirror URL: `root.json` and the `targets` it pre-caches).
 * Its trusted_root.json is trusted because it ships inside the package, as @sigstore/tuf's own TUF client seeds
 * its cache with it; it is as old as the package, so callers say so. `seedsFile` replaces the package's file (tests).
 */
export async function readEmbeddedSeed(seedsFile?: string): Promise<EmbeddedSeed> {
  let file = seedsFile;
  let version = 'unknown version';
  try {
    if (file === undefined) {
      file = requireHere.resolve('@sigstore/tuf/seeds.json');
      version = (JSON.parse(await readFile(requireHere.resolve('@sigstore/tuf/package.json'), 'utf8')) as { version?: string }).version ?? version;
    }
    const seeds = JSON.parse(await readFile(file, 'utf8')) as Record<string, { 'root.json'?: unknown; targets?: Record<string, unknown> } | undefined>;
    const seed = seeds[PUBLIC_GOOD_TUF_MIRROR];
    const root = seed?.['root.json'];
    const target = seed?.targets?.[TRUSTED_ROOT_TARGET];
    if (typeof root !== 'string' || typeof target !== 'string') throw new Error(`no ${TRUSTED_ROOT_TARGET} and root.json for ${PUBLIC_GOOD_TUF_MIRROR}`);
    return {
      trustedRoot: Buffer.from(target, 'base64'),
      tufRoot: Buffer.from(root, 'base64'),
      source: seedsFile === undefined ? `embedded seed of @sigstore/tuf ${version}` : `seed file ${seedsFile}`,
    };
  } catch (e) {
    throw new SignError('TRUSTED_ROOT_MISSING', `cannot read the Sigstore TUF seed ${file ?? '@sigstore/tuf/seeds.json'}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes `bytes` to `file` so that readers see the old file or the new one, never a part: a unique temporary file
 * beside it, flushed, then renamed over it (atomic on POSIX). On any failure the temporary file is removed and the
 * old file is left as it was.
 */
export async function writeFileAtomic(file: string, bytes: Buffer): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new SignError('TRUSTED_ROOT_MISSING', `cannot write the trusted root ${file}: ${(e as Error).message}`, { cause: e });
  }
}

export interface UpdateTrustedRootOptions {
  /** Tollgate's cache directory (default $XDG_CACHE_HOME/tollgate); the root goes to <dir>/sigstore/trusted_root.json. */
  cacheDir?: string;
  /** TUF repository to fetch from (default the public-good one). */
  mirror?: string;
  /**
   * The initial TUF root.json for the mirror. Default: @sigstore/tuf's seed for the public-good repository, for it
   * and for mirrors of it. A private TUF repository needs its own.
   */
  tufRootFile?: string;
  /** Use the embedded seed, no network. */
  offline?: boolean;
  /** Per-request timeout (ms) and retries of the TUF client. */
  timeoutMs?: number;
  retries?: number;
  /** Test hook: another seeds.json. */
  seedsFile?: string;
}

export interface UpdatedTrustedRoot {
  file: string;
  root: TrustedRoot;
  /** "TUF repository https://…" or "embedded seed of @sigstore/tuf 4.0.2". */
  source: string;
  /** Where the TUF metadata (root, timestamp, snapshot, targets) is cached; absent offline. */
  tufCache?: string;
}

/** <cache dir>/sigstore/tuf: the TUF client's metadata cache, one folder per mirror (as @sigstore/tuf names them). */
export function tufCacheDir(cacheDir?: string): string {
  return path.join(path.dirname(defaultTrustedRootPath(cacheDir)), 'tuf');
}

/**
 * `tollgate trusted-root update`: fetches trusted_root.json through TUF with Sigstore's own client (@sigstore/tuf
 * over tuf-js: root rotation, timestamp, snapshot and targets metadata verified, the target checked against its
 * length and hashes) — or, offline, takes it from the embedded seed — checks that Tollgate can use it, and only then
 * replaces the cached root atomically. Any failure leaves the cached root untouched.
 */
export async function updateTrustedRoot(opts: UpdateTrustedRootOptions = {}): Promise<UpdatedTrustedRoot> {
  const file = defaultTrustedRootPath(opts.cacheDir);
  let bytes: Buffer;
  let source: string;
  let tufCache: string | undefined;
  if (opts.offline) {
    const seed = await readEmbeddedSeed(opts.seedsFile);
    bytes = seed.trustedRoot;
    source = seed.source;
  } else {
    const mirror = (opts.mirror ?? PUBLIC_GOOD_TUF_MIRROR).replace(/\/+$/, '');
    tufCache = tufCacheDir(opts.cacheDir);
    bytes = await fetchThroughTuf(mirror, tufCache, opts);
    source = `TUF repository ${mirror}`;
  }
  const root = decodeTrustedRoot(bytes, `${TRUSTED_ROOT_TARGET} from the ${source}`);
  await writeFileAtomic(file, bytes);
  return { file, root, source, ...(tufCache ? { tufCache } : {}) };
}

async function fetchThroughTuf(mirror: string, tufCache: string, opts: UpdateTrustedRootOptions): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch (e) {
    throw new SignError('TRUSTED_ROOT_MISSING', `--mirror ${JSON.stringify(mirror)} is not a URL`, { cause: e });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SignError('TRUSTED_ROOT_MISSING', `--mirror ${mirror}: only http(s) TUF mirrors are supported`);
  // @sigstore/tuf seeds its cache only for the URL it knows; a mirror of the public-good repository starts from the
  // same TUF root (it is signed by the same keys), written to a file because that is what the client takes.
  let rootPath = opts.tufRootFile;
  let seedRoot: string | undefined;
  if (rootPath === undefined && mirror !== PUBLIC_GOOD_TUF_MIRROR) {
    const seed = await readEmbeddedSeed(opts.seedsFile);
    await mkdir(tufCache, { recursive: true }).catch(() => undefined);
    seedRoot = path.join(tufCache, `.seed-root.${process.pid}.${randomBytes(4).toString('hex')}.json`);
    try {
      await writeFile(seedRoot, seed.tufRoot);
    } catch (e) {
      throw new SignError('TRUSTED_ROOT_MISSING', `cannot prepare the TUF cache ${tufCache}: ${(e as Error).message}`, { cause: e });
    }
    rootPath = seedRoot;
  }
  try {
    // Loaded on use: the TUF client and its HTTP stack are needed by this command only.
    const { initTUF } = await import('@sigstore/tuf');
    const tuf = await initTUF({
      mirrorURL: mirror,
      cachePath: tufCache,
      ...(rootPath !== undefined ? { rootPath } : {}),
      timeout: opts.timeoutMs ?? 10_000,
      retry: { retries: opts.retries ?? 2 },
      // Always ask the repository: the point of an update is the newest timestamp.
      forceCache: false,
    });
    return Buffer.from(await tuf.getTarget(TRUSTED_ROOT_TARGET), 'utf8');
  } catch (e) {
    throw new SignError('TRUSTED_ROOT_MISSING', `cannot update the Sigstore trusted root from the TUF repository ${mirror}: ${tufReason(e)}`, { cause: e });
  } finally {
    if (seedRoot) await rm(seedRoot, { force: true });
  }
}

/**
 * The reasons down the `cause` chain (TUFError wraps tuf-js's download, expiry and signature errors), with the HTTP
 * status that tuf-js's DownloadHTTPError keeps out of its message ("Failed to download").
 */
function tufReason(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error; i++) {
    const status = (cur as { statusCode?: unknown }).statusCode;
    const m = `${cur.message.trim()}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(e);
}

export interface TrustedRootSummary {
  certificateAuthorities: { uri: string; subject: string; validFrom?: string; validTo?: string }[];
  tlogs: number;
  ctlogs: number;
  timestampAuthorities: number;
}

/** What a trusted root holds, for `tollgate trusted-root update|show`. */
export function summarizeTrustedRoot(root: TrustedRoot): TrustedRootSummary {
  return {
    certificateAuthorities: root.certificateAuthorities.map((ca) => ({
      uri: ca.uri,
      subject: [ca.subject?.organization ? `O=${ca.subject.organization}` : '', ca.subject?.commonName ? `CN=${ca.subject.commonName}` : ''].filter(Boolean).join(', '),
      ...(ca.validFor?.start ? { validFrom: ca.validFor.start.toISOString() } : {}),
      ...(ca.validFor?.end ? { validTo: ca.validFor.end.toISOString() } : {}),
    })),
    tlogs: root.tlogs.length,
    ctlogs: root.ctlogs.length,
    timestampAuthorities: root.timestampAuthorities.length,
  };
}
