import { createHash } from 'node:crypto';
import { PackageURL } from 'packageurl-js';
import { manifestValue, parseManifest, type Manifest } from './parse-manifest.js';
import { parsePomProperties, type PomProperties } from './parse-pom-properties.js';
import { parsePomLicenses } from './parse-pom-xml.js';
import { forEachEntry, isReadFailure, readDirectory, readEntry, type ZipDirectory, type ZipEntry } from './zip.js';

/**
 * Java archives (jar, war, ear, par, and Jenkins' jpi/hpi) → the Maven artifacts they contain, nested archives
 * included (Spring Boot's BOOT-INF/lib, WEB-INF/lib, EAR modules), down to a depth limit.
 *
 * Per archive, following Trivy's jar parser (pkg/dependency/parser/java/jar/parse.go):
 *   - every META-INF/maven/<g>/<a>/pom.properties is an artifact (a shaded/uber jar carries several);
 *   - the archive's own artifact is the pom.properties whose artifactId matches the file name (or the only one);
 *     when none matches, it is taken from MANIFEST.MF (Implementation-*, Bundle-SymbolicName/-Version,
 *     Specification-*) and, failing that, from the file name (`name-1.2.3.jar`);
 *   - the CycloneDX SBOM that Spring Boot ≥ 3.3 embeds (META-INF/sbom/*.cdx.json or the manifest's Sbom-Location)
 *     adds its pkg:maven components that no nested archive already accounts for.
 *
 * Only what is needed is inflated (pom.properties, the embedded pom.xml for licenses, MANIFEST.MF, SBOMs and nested
 * archives), each under a size cap, and all inflation and hashing of one top-level file shares a byte budget: a zip
 * bomb or a directory of overlapping entries ends with a warning, not with exhausted memory or time.
 */

export type ArtifactSource = 'pom.properties' | 'manifest' | 'filename' | 'embedded-sbom';

export interface JavaArtifact {
  /** '' when nothing in or about the archive names a group (file-name-only artifacts). */
  groupId: string;
  artifactId: string;
  version: string;
  /** Path of the archive holding the evidence; nested archives as "app.jar!/BOOT-INF/lib/dep.jar". */
  archive: string;
  /** SHA-1 (hex) of the archive's bytes, set on the archive's own artifact only (a GAV lookup key). */
  sha1?: string;
  source: ArtifactSource;
  /** <licenses> of the embedded META-INF/maven/<g>/<a>/pom.xml, as declared. */
  licenses?: string[];
}

export interface ArchiveLimits {
  /** Nesting levels read below the top-level archive (top level = 0). */
  maxDepth: number;
  /** Largest nested archive inflated into memory. */
  maxNestedSize: number;
  /**
   * Inflated nested archives held at once (the chain from the top level down to the archive being read); stored
   * nested archives are views of their parent and cost nothing.
   */
  maxLiveInflated: number;
  /** Bytes inflated or hashed for one top-level file, all entries and nested archives together. */
  budget: number;
  /** Caps on single metadata entries (uncompressed). */
  maxManifestSize: number;
  maxPomPropertiesSize: number;
  maxPomXmlSize: number;
  maxSbomSize: number;
  /** Archives visited for one top-level file (the top level included). */
  maxArchives: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxDepth: 4,
  maxNestedSize: 128 * 1024 * 1024,
  maxLiveInflated: 192 * 1024 * 1024,
  budget: 1024 * 1024 * 1024,
  maxManifestSize: 1024 * 1024,
  maxPomPropertiesSize: 64 * 1024,
  maxPomXmlSize: 1024 * 1024,
  maxSbomSize: 16 * 1024 * 1024,
  maxArchives: 10_000,
};

export interface ArchiveParse {
  artifacts: JavaArtifact[];
  warnings: string[];
}

/** jar, war, ear, par (JBoss/Spring archives), jpi/hpi (Jenkins plugins): the last three letters, lower-cased. */
const ARCHIVE_EXTENSIONS = new Set(['jar', 'war', 'ear', 'par', 'jpi', 'hpi']);

/**
 * Whether a file or entry name is a Java archive by its extension (case-insensitive). Called for every file of every
 * layer, so it allocates nothing unless the name ends in "." plus three letters.
 */
export function isArchiveName(name: string): boolean {
  const dot = name.length - 4;
  if (dot < 1 || name.charCodeAt(dot) !== 46) return false;
  const a = name.charCodeAt(dot + 1) | 0x20;
  // j, w, e, p, h: the first letters of the extensions above.
  if (a !== 106 && a !== 119 && a !== 101 && a !== 112 && a !== 104) return false;
  return ARCHIVE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

/**
 * `artifact-1.2.3.jar` → artifactId and version: the split is at the last "-" followed by a digit (so
 * `log4j-1.2-api-2.19.0.jar` is log4j-1.2-api 2.19.0, as Trivy's jarFileRegEx reads it). Without such a split the
 * whole base name is the artifactId and there is no version.
 */
export function parseArchiveFileName(path: string): { artifactId: string; version?: string } {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const stem = isArchiveName(base) ? base.slice(0, -4) : base;
  for (let i = stem.length - 2; i > 0; i--) {
    const c = stem.charCodeAt(i + 1);
    if (stem.charCodeAt(i) === 45 && c >= 48 && c <= 57) {
      const version = stem.slice(i + 1);
      if (/\s/.test(version)) break;
      return { artifactId: stem.slice(0, i), version };
    }
  }
  return { artifactId: stem };
}

/** A nested path must stay readable and unambiguous in reports: no "..", no absolute or control-character names. */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name.length > 4096 || name.startsWith('/')) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c /* backslash */) return false;
  }
  for (const seg of name.split('/')) if (seg === '..' || seg === '.') return false;
  return true;
}

const TOKEN = /^[A-Za-z0-9_.+-]+$/;
/** A Maven groupId written where a vendor name is expected ("org.apache" rather than "The Apache Software Foundation"). */
const GROUP_LIKE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;

function tokenLike(v: string | undefined): string | undefined {
  return v !== undefined && TOKEN.test(v) ? v : undefined;
}

/** `${…}`/`%…` placeholders left by build tools are not values. */
function real(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' || t.startsWith('%') || t.includes('${') ? undefined : t;
}

/**
 * The archive's own coordinates from MANIFEST.MF and its file name, or undefined without an artifactId and version.
 * Titles and vendors are free text in practice ("Apache Log4j API"), so they are used only when they look like
 * Maven identifiers; the file name is the next-best artifactId (Syft prefers it too).
 */
export function coordinatesFromManifest(
  manifest: Manifest | undefined,
  fileName: string,
): { groupId: string; artifactId: string; version: string; source: 'manifest' | 'filename' } | undefined {
  const file = parseArchiveFileName(fileName);
  const get = (k: string): string | undefined => (manifest ? real(manifestValue(manifest, k)) : undefined);
  const bsn = get('Bundle-SymbolicName')?.split(';')[0]?.trim();
  const bsnGroup = bsn && bsn.includes('.') ? bsn.slice(0, bsn.lastIndexOf('.')) : undefined;
  const vendor = [get('Implementation-Vendor'), get('Specification-Vendor')].find((v) => v !== undefined && GROUP_LIKE.test(v));
  const groupId = tokenLike(get('Implementation-Vendor-Id')) ?? (bsnGroup && GROUP_LIKE.test(bsnGroup) ? bsnGroup : undefined) ?? vendor;
  const artifactId = tokenLike(get('Implementation-Title')) ?? tokenLike(get('Specification-Title')) ?? file.artifactId;
  const manifestVersion = tokenLike(get('Implementation-Version')) ?? tokenLike(get('Specification-Version')) ?? tokenLike(get('Bundle-Version'));
  const version = manifestVersion ?? file.version;
  if (!artifactId || !version) return undefined;
  const fromManifest = groupId !== undefined || manifestVersion !== undefined || artifactId !== file.artifactId;
  return { groupId: groupId ?? '', artifactId, version, source: fromManifest ? 'manifest' : 'filename' };
}

/** One pkg:maven component of an embedded CycloneDX SBOM. */
export function sbomMavenComponents(doc: unknown, limit = 100_000): PomProperties[] {
  const out: PomProperties[] = [];
  const stack: { list: unknown; depth: number }[] = [];
  if (doc && typeof doc === 'object') stack.push({ list: (doc as { components?: unknown }).components, depth: 0 });
  while (stack.length && out.length < limit) {
    const { list, depth } = stack.pop()!;
    if (!Array.isArray(list) || depth > 16) continue;
    for (const c of list as unknown[]) {
      if (!c || typeof c !== 'object') continue;
      const comp = c as { purl?: unknown; scope?: unknown; components?: unknown };
      if (comp.components !== undefined) stack.push({ list: comp.components, depth: depth + 1 });
      if (comp.scope === 'excluded' || typeof comp.purl !== 'string' || !comp.purl.startsWith('pkg:maven/')) continue;
      try {
        const p = PackageURL.fromString(comp.purl);
        if (p.namespace && p.name && p.version) out.push({ groupId: p.namespace, artifactId: p.name, version: p.version });
      } catch {
        // An unparsable purl names nothing we could report.
      }
    }
  }
  return out;
}

interface Context {
  limits: ArchiveLimits;
  used: number;
  /** Bytes of inflated nested archives currently held (see maxLiveInflated). */
  live: number;
  archives: number;
  warnings: string[];
  budgetWarned: boolean;
}

function spend(ctx: Context, bytes: number): void {
  ctx.used += bytes;
}

function remaining(ctx: Context): number {
  return Math.max(0, ctx.limits.budget - ctx.used);
}

/** Reads one entry under `cap` and the remaining budget; undefined (with a warning) when it cannot be read. */
function readSmall(buf: Buffer, dir: ZipDirectory, entry: ZipEntry, cap: number, ctx: Context, where: string): Buffer | undefined {
  const limit = Math.min(cap, remaining(ctx));
  if (entry.uncompressedSize > limit && limit < cap) {
    budgetExhausted(ctx, where);
    return undefined;
  }
  const r = readEntry(buf, dir, entry, limit);
  if (isReadFailure(r)) {
    ctx.warnings.push(`${where}!/${entry.name}: not read: ${r.message}`);
    return undefined;
  }
  if (entry.method !== 0) spend(ctx, r.length);
  return r;
}

function budgetExhausted(ctx: Context, where: string): void {
  if (ctx.budgetWarned) return;
  ctx.budgetWarned = true;
  ctx.warnings.push(`${where}: stopped reading after ${ctx.limits.budget} bytes inflated or hashed (archive budget); the rest of it is not analyzed`);
}

/** Nested archives, pom.properties or SBOM entries kept per archive (real archives have at most a few hundred). */
const MAX_ENTRIES_OF_A_KIND = 10_000;

function pomPropertiesGa(name: string): boolean {
  return name.endsWith('/pom.properties') && name.includes('META-INF/maven/');
}

/** Parses a Java archive held in memory. `path` is its image path (no leading slash). */
export function parseJavaArchive(path: string, content: Buffer, limits: ArchiveLimits = DEFAULT_LIMITS): ArchiveParse {
  const ctx: Context = { limits, used: 0, live: 0, archives: 0, warnings: [], budgetWarned: false };
  const artifacts = visit(path, content, 0, ctx, true);
  return { artifacts: dedupe(artifacts), warnings: ctx.warnings };
}

/** Same coordinates in the same archive once (a jar may list one artifact twice, e.g. pom.properties and SBOM). */
function dedupe(list: JavaArtifact[]): JavaArtifact[] {
  const seen = new Map<string, JavaArtifact>();
  for (const a of list) {
    const key = `${a.groupId}:${a.artifactId}:${a.version}\u0000${a.archive}`;
    const prev = seen.get(key);
    if (!prev) seen.set(key, a);
    else if (!prev.sha1 && a.sha1) seen.set(key, { ...a, licenses: a.licenses ?? prev.licenses });
  }
  return [...seen.values()];
}

function visit(path: string, buf: Buffer, depth: number, ctx: Context, top: boolean): JavaArtifact[] {
  ctx.archives++;
  if (buf.length > remaining(ctx)) {
    budgetExhausted(ctx, path);
    return [];
  }
  spend(ctx, buf.length);
  const sha1 = createHash('sha1').update(buf).digest('hex');
  let dir: ZipDirectory;
  try {
    dir = readDirectory(buf);
  } catch (e) {
    // A top-level file that is not a zip becomes the analyzer's warning (thrown); a bad nested one only a warning.
    if (top) throw e;
    ctx.warnings.push(`${path}: not read: ${(e as Error).message}`);
    return [];
  }

  let manifestEntry: ZipEntry | undefined;
  const pomProps: ZipEntry[] = [];
  const pomXml = new Map<string, ZipEntry>();
  const sboms: ZipEntry[] = [];
  const nested: ZipEntry[] = [];
  let unsafe = 0;
  let firstUnsafe = '';
  // Entries of interest kept per archive: a hostile central directory can name millions of "*.jar" entries.
  let dropped = 0;
  const keep = (list: ZipEntry[], e: ZipEntry) => {
    if (list.length < MAX_ENTRIES_OF_A_KIND) list.push(e);
    else dropped++;
  };
  try {
    forEachEntry(buf, dir, (e) => {
      // Called for every class file of the archive: cheap suffix tests first, the rarely true ones last.
      const name = e.name;
      let kind: 'nested' | 'pom.properties' | 'pom.xml' | 'sbom' | 'manifest';
      if (isArchiveName(name)) kind = 'nested';
      else if (name.endsWith('.class')) return;
      else if (pomPropertiesGa(name)) kind = 'pom.properties';
      else if (name.endsWith('/pom.xml') && name.includes('META-INF/maven/')) kind = 'pom.xml';
      else if (name.endsWith('.cdx.json')) kind = 'sbom';
      else if (name.length === 20 && name.toUpperCase() === 'META-INF/MANIFEST.MF') kind = 'manifest';
      else return;
      if (!isSafeEntryName(name)) {
        if (unsafe++ === 0) firstUnsafe = name;
        return;
      }
      if (kind === 'nested') keep(nested, e);
      else if (kind === 'pom.properties') keep(pomProps, e);
      else if (kind === 'pom.xml') {
        if (pomXml.size < MAX_ENTRIES_OF_A_KIND) pomXml.set(name.slice(0, -'pom.xml'.length), e);
      } else if (kind === 'sbom') keep(sboms, e);
      else manifestEntry = e;
    });
  } catch (e) {
    // The entries listed before the damage are still worth reading.
    ctx.warnings.push(`${path}: central directory only partly read: ${(e as Error).message}`);
  }
  if (dropped) ctx.warnings.push(`${path}: ${dropped} entries beyond ${MAX_ENTRIES_OF_A_KIND} of one kind ignored`);
  if (unsafe) {
    ctx.warnings.push(`${path}: ${unsafe} entr${unsafe === 1 ? 'y' : 'ies'} with unsafe names ignored (e.g. ${JSON.stringify(firstUnsafe.slice(0, 200))})`);
  }

  let manifest: Manifest | undefined;
  if (manifestEntry) {
    const bytes = readSmall(buf, dir, manifestEntry, ctx.limits.maxManifestSize, ctx, path);
    if (bytes) manifest = parseManifest(bytes);
  }

  // pom.properties, each with the embedded pom.xml beside it for licenses.
  const props: { p: PomProperties; dirName: string }[] = [];
  for (const e of pomProps) {
    const bytes = readSmall(buf, dir, e, ctx.limits.maxPomPropertiesSize, ctx, path);
    if (!bytes) continue;
    const p = parsePomProperties(bytes);
    if (p) props.push({ p, dirName: e.name.slice(0, -'pom.properties'.length) });
    else ctx.warnings.push(`${path}!/${e.name}: no groupId, artifactId and version; ignored`);
  }

  const file = parseArchiveFileName(path);
  let own = props.find(({ p }) => p.artifactId === file.artifactId && (file.version === undefined || p.version === file.version));
  own ??= props.find(({ p }) => p.artifactId === file.artifactId);
  if (!own && props.length === 1) own = props[0];

  const artifacts: JavaArtifact[] = [];
  for (const entry of props) {
    const { p, dirName } = entry;
    const licenses = licensesFrom(buf, dir, pomXml.get(dirName), ctx, path);
    artifacts.push({
      groupId: p.groupId,
      artifactId: p.artifactId,
      version: p.version,
      archive: path,
      ...(entry === own ? { sha1 } : {}),
      source: 'pom.properties',
      ...(licenses.length ? { licenses } : {}),
    });
  }
  if (!own) {
    const c = coordinatesFromManifest(manifest, path);
    // With several pom.properties and none matching, the manifest can still name the archive itself; the file name
    // alone cannot then be trusted over the Maven metadata that is there.
    const usable = c && (props.length === 0 || c.source === 'manifest');
    if (usable && !props.some(({ p }) => p.groupId === c.groupId && p.artifactId === c.artifactId)) {
      artifacts.push({ groupId: c.groupId, artifactId: c.artifactId, version: c.version, archive: path, sha1, source: c.source });
    }
  }

  // Nested archives, depth first.
  const inner: JavaArtifact[] = [];
  if (nested.length) {
    if (depth + 1 > ctx.limits.maxDepth) {
      ctx.warnings.push(
        `${path}: ${nested.length} nested archive${nested.length === 1 ? '' : 's'} not read: nesting deeper than ${ctx.limits.maxDepth} levels (e.g. ${nested[0]!.name})`,
      );
    } else {
      for (const e of nested) {
        if (ctx.archives >= ctx.limits.maxArchives) {
          ctx.warnings.push(`${path}: stopped after ${ctx.limits.maxArchives} nested archives`);
          break;
        }
        if (ctx.budgetWarned) break;
        const where = `${path}!/${e.name}`;
        const cap = Math.min(ctx.limits.maxNestedSize, remaining(ctx));
        if (e.uncompressedSize > cap) {
          if (cap < ctx.limits.maxNestedSize) budgetExhausted(ctx, path);
          else ctx.warnings.push(`${where}: not read: ${e.uncompressedSize} bytes, more than the ${ctx.limits.maxNestedSize}-byte limit for nested archives`);
          continue;
        }
        const inflated = e.method === 0 ? 0 : e.uncompressedSize;
        if (ctx.live + inflated > ctx.limits.maxLiveInflated) {
          ctx.warnings.push(`${where}: not read: inflating it would hold more than ${ctx.limits.maxLiveInflated} bytes of nested archives at once`);
          continue;
        }
        // Nested archives are validated by their own central directory; a CRC pass over megabytes buys nothing.
        const bytes = readEntry(buf, dir, e, cap, false);
        if (isReadFailure(bytes)) {
          ctx.warnings.push(`${where}: not read: ${bytes.message}`);
          continue;
        }
        if (e.method !== 0) spend(ctx, bytes.length);
        ctx.live += inflated;
        try {
          inner.push(...visit(where, bytes, depth + 1, ctx, false));
        } finally {
          ctx.live -= inflated;
        }
      }
    }
  }
  artifacts.push(...inner);

  // Embedded SBOM components not already found as archives (Spring Boot lists exactly its BOOT-INF/lib).
  const sbomLocation = manifest ? real(manifestValue(manifest, 'Sbom-Location')) : undefined;
  for (const e of sboms) {
    if (!(e.name.includes('META-INF/sbom/') || e.name === sbomLocation)) continue;
    const bytes = readSmall(buf, dir, e, ctx.limits.maxSbomSize, ctx, path);
    if (!bytes) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      ctx.warnings.push(`${path}!/${e.name}: not valid JSON: ${(err as Error).message}`);
      continue;
    }
    const known = new Set(artifacts.map((a) => `${a.groupId}:${a.artifactId}:${a.version}`));
    for (const c of sbomMavenComponents(doc)) {
      const key = `${c.groupId}:${c.artifactId}:${c.version}`;
      if (known.has(key)) continue;
      known.add(key);
      artifacts.push({ ...c, archive: path, source: 'embedded-sbom' });
    }
  }
  return artifacts;
}

function licensesFrom(buf: Buffer, dir: ZipDirectory, entry: ZipEntry | undefined, ctx: Context, path: string): string[] {
  if (!entry) return [];
  const bytes = readSmall(buf, dir, entry, ctx.limits.maxPomXmlSize, ctx, path);
  if (!bytes) return [];
  try {
    return parsePomLicenses(bytes);
  } catch {
    // Licenses are an extra: an unreadable embedded POM leaves them empty, the coordinates still stand.
    return [];
  }
}
