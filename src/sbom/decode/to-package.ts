import type { LayerRef, OperatingSystem, Package, PackageMetadata, PurlType } from '../../core/index.js';
import type { PackageFacts, Producer, Props } from './facts.js';
import { type Issues, plural } from './issues.js';
import { type ParsedPurl, ecosystemHint, formatPurl, isSupportedType, normalizeLegacyPurl, parsePurl } from './purl.js';

export interface BuildContext {
  producer: Producer;
  os?: OperatingSystem;
  /** diffID → layer index, from the image's layer list when the document has one. */
  diffIdIndex: ReadonlyMap<string, number>;
  issues: Issues;
}

/**
 * Where each fact comes from, first match wins:
 *   Tollgate  tollgate:package:* / tollgate:layer:* properties (src/sbom/properties.ts), evidence.occurrences
 *   Trivy     aquasecurity:trivy:SrcName|SrcVersion|SrcRelease|SrcEpoch|LayerDigest|LayerDiffID|FilePath|PkgType
 *             (aquasecurity/trivy: pkg/sbom/core/bom.go), purl qualifiers arch/epoch/distro/modularitylabel
 *   Syft      syft:metadata:source|sourceVersion (dpkg), originPackage (apk), sourceRpm|epoch (rpm),
 *             syft:location:N:path|layerID, syft:package:foundBy|type, purl qualifier upstream=
 *             (anchore/syft: syft/pkg/cataloger/{debian,alpine,redhat}/package.go)
 *   SPDX      sourceInfo "built package from: NAME VERSION" (Trivy, Tollgate), "acquired package info from …"
 */
export function toPackage(f: PackageFacts, ctx: BuildContext): Package {
  const props = f.props;
  const identity = resolveIdentity(f, ctx);
  const { type, purl, parsed } = identity;
  const q = parsed?.qualifiers ?? {};

  const name = ctx.producer === 'tollgate' && f.name !== '' ? tollgateName(f, type) : parsed ? foreignName(f, parsed) : f.name;
  const version = ctx.producer === 'tollgate' && f.version !== '' ? f.version : fullVersion(type, parsed, f.version);

  const pkg: Package = {
    purl,
    type,
    name,
    version,
    licenses: [...new Set(f.licenses.filter((l) => l !== ''))],
    locations: locationsOf(f),
    foundBy: foundByOf(props, ctx.producer),
  };
  const layer = layerOf(f, ctx);
  if (layer !== undefined) pkg.layer = layer;
  const metadata = metadataOf(f, type, parsed, version, q, ctx.producer);
  if (metadata !== undefined) pkg.metadata = metadata;
  const evidence = props.first('tollgate:package:evidence');
  if (evidence === 'installed' || evidence === 'declared') pkg.evidence = evidence;
  if (props.first('tollgate:package:dev') === 'true') pkg.dev = true;
  const ownedBy = props.first('tollgate:package:owned-by');
  if (ownedBy) pkg.ownedBy = ownedBy;
  return pkg;
}

interface Identity {
  type: PurlType;
  purl: string;
  /** Parts of the purl when its type is one Tollgate matches. */
  parsed?: ParsedPurl;
}

function resolveIdentity(f: PackageFacts, ctx: BuildContext): Identity {
  const label = f.version ? `${f.name}@${f.version}` : f.name || f.ref;
  const written = f.purl?.trim();
  const parsedRaw = written ? parsePurl(written) : undefined;
  if (written && parsedRaw === undefined) {
    ctx.issues.add(
      'invalid-purl',
      (n) => `${plural(n, 'package has a package URL', 'packages have package URLs')} that do not parse (purl-spec); read by name instead`,
      `${label} (${JSON.stringify(written)})`,
    );
  }
  const parsed = parsedRaw ? normalizeLegacyPurl(parsedRaw) : undefined;
  if (parsed && isSupportedType(parsed.type)) {
    // Tollgate's purls are canonical already; others are rewritten in canonical form (sorted qualifiers).
    const purl = ctx.producer === 'tollgate' && parsedRaw === parsed ? written! : formatPurl(parsed);
    return { type: parsed.type, purl, parsed };
  }
  if (parsed) {
    if (parsed.type === 'none') {
      ctx.issues.add(
        'purl-none',
        (n) =>
          `${plural(n, 'package is', 'packages are')} written as pkg:none (the producing tool, typically Trivy, did not recognise the operating system); they cannot be matched against advisories`,
        label,
      );
    } else {
      ctx.issues.add(
        `purl-type-${parsed.type}`,
        (n) => `${plural(n, 'package has', 'packages have')} purl type "${parsed.type}", which Tollgate has no advisories for; not matched`,
        label,
      );
    }
    return { type: 'generic', purl: written! };
  }
  // No usable purl: derive one when the producing tool said which ecosystem the package belongs to.
  const eco = ecosystemHint({
    trivyPkgType: f.props.first('aquasecurity:trivy:PkgType'),
    syftPkgType: f.props.first('syft:package:type'),
    acquiredFrom: f.acquiredFrom,
  });
  const derived = eco !== undefined && f.name !== '' ? derivePurl(eco, f, ctx.os) : undefined;
  if (derived && isSupportedType(derived.type)) return { type: derived.type, purl: formatPurl(derived), parsed: derived };
  ctx.issues.add(
    'no-purl',
    (n) => `${plural(n, 'package has', 'packages have')} no package URL and no recognisable ecosystem; kept as generic, they cannot be matched against advisories`,
    label,
  );
  const generic: ParsedPurl = { type: 'generic', name: f.name || f.ref, ...(f.version ? { version: f.version } : {}), qualifiers: {} };
  return { type: 'generic', purl: formatPurl(generic) };
}

/** A purl for a package whose ecosystem is known but whose document gave none. */
function derivePurl(type: PurlType, f: PackageFacts, os: OperatingSystem | undefined): ParsedPurl | undefined {
  const version = f.version || undefined;
  const qualifiers: Record<string, string> = {};
  const slash = (s: string): [string | undefined, string] => {
    const i = s.lastIndexOf('/');
    return i > 0 ? [s.slice(0, i), s.slice(i + 1)] : [undefined, s];
  };
  switch (type) {
    case 'deb':
    case 'apk':
    case 'rpm': {
      const arch = f.props.first('syft:metadata:architecture') ?? f.props.first('syft:metadata:arch');
      if (arch) qualifiers.arch = arch;
      let v = version;
      if (type === 'rpm' && v) {
        const m = /^(\d+):(.+)$/.exec(v);
        if (m) {
          qualifiers.epoch = m[1] ?? '';
          v = m[2];
        }
      }
      const namespace = os?.family ?? (type === 'deb' ? 'debian' : type === 'apk' ? 'alpine' : undefined);
      const distro = distroQualifier(type, os);
      if (distro) qualifiers.distro = distro;
      return { type, ...(namespace ? { namespace } : {}), name: f.name, ...(v ? { version: v } : {}), qualifiers };
    }
    case 'maven': {
      const [group, artifact] = f.group ? [f.group, f.name] : f.name.includes(':') ? [f.name.slice(0, f.name.lastIndexOf(':')), f.name.slice(f.name.lastIndexOf(':') + 1)] : [undefined, f.name];
      // purl-spec: the Maven namespace (groupId) is required.
      return group ? { type, namespace: group, name: artifact, ...(version ? { version } : {}), qualifiers } : undefined;
    }
    case 'npm':
    case 'golang':
    case 'composer': {
      const full = f.group ? `${f.group}/${f.name}` : f.name;
      const [namespace, name] = slash(full);
      return { type, ...(namespace ? { namespace } : {}), name, ...(version ? { version } : {}), qualifiers };
    }
    default:
      return { type, name: f.name, ...(version ? { version } : {}), qualifiers };
  }
}

/** Same rule as src/analyzers/purl.ts (distroQualifier), so derived purls look like Tollgate's own. */
function distroQualifier(type: 'deb' | 'apk' | 'rpm', os: OperatingSystem | undefined): string | undefined {
  if (!os?.version) return undefined;
  if (type === 'apk') return os.version;
  if (type === 'deb' && os.family === 'debian') return `debian-${os.version.split('.')[0]}`;
  return `${os.family}-${os.version}`;
}

/** Tollgate's names: Maven "groupId:artifactId", everything else as the document writes it. */
function tollgateName(f: PackageFacts, type: PurlType): string {
  return type === 'maven' && f.group ? `${f.group}:${f.name}` : f.name;
}

/**
 * The name from the purl, but with the document's spelling when they differ only in case: some purl types are
 * lower-cased by their writers (Trivy lower-cases Go module paths and npm names) while the registries and the
 * advisories are case-sensitive ("github.com/BurntSushi/toml"); Trivy's own decoder prefers the component name for
 * the same reason (aquasecurity/trivy: pkg/sbom/io/decode.go, pkgName). PyPI names stay PEP 503-normalised.
 */
function foreignName(f: PackageFacts, p: ParsedPurl): string {
  const fromPurl = nameFromPurl(p);
  if (p.type === 'pypi' || f.name === '') return fromPurl;
  const written = f.group ? `${f.group}${p.type === 'maven' ? ':' : '/'}${f.name}` : f.name;
  return written.toLowerCase() === fromPurl.toLowerCase() ? written : fromPurl;
}

/** Package.name as Tollgate's analyzers form it from the same coordinates. */
function nameFromPurl(p: ParsedPurl): string {
  switch (p.type) {
    case 'maven':
      return p.namespace ? `${p.namespace}:${p.name}` : p.name;
    case 'deb':
    case 'rpm':
    case 'apk':
      return p.name;
    default:
      return p.namespace ? `${p.namespace}/${p.name}` : p.name;
  }
}

/**
 * The version as the ecosystem compares it (src/core/package.ts): dpkg and rpm carry the epoch, which Trivy and
 * Syft put in an `epoch` qualifier while Tollgate writes it into the deb purl version.
 */
function fullVersion(type: PurlType, p: ParsedPurl | undefined, written: string): string {
  const v = p?.version ?? written;
  const epoch = p?.qualifiers.epoch;
  if ((type === 'deb' || type === 'rpm') && epoch && /^\d+$/.test(epoch) && !/^\d+:/.test(v)) return `${epoch}:${v}`;
  return v;
}

function stripSlash(p: string): string {
  return p.replace(/^\/+/, '');
}

function locationsOf(f: PackageFacts): string[] {
  const out: string[] = [...f.locations];
  const trivyPath = f.props.first('aquasecurity:trivy:FilePath');
  if (trivyPath) out.push(trivyPath);
  // syft:location:<n>:path, in n order.
  const syft = f.props
    .withPrefix('syft:location:')
    .map(([rest, value]) => {
      const m = /^(\d+):path$/.exec(rest);
      return m ? { n: Number(m[1]), value } : undefined;
    })
    .filter((x): x is { n: number; value: string } => x !== undefined)
    .sort((a, b) => a.n - b.n);
  for (const { value } of syft) out.push(value);
  if (out.length === 0 && f.groupLocation) out.push(f.groupLocation);
  return [...new Set(out.map((l) => stripSlash(l.trim())).filter((l) => l !== ''))];
}

/** Tollgate's analyzer id; else "<tool>:<its cataloger or package type>", "<tool>", or "sbom" for unknown tools. */
function foundByOf(props: Props, producer: Producer): string {
  const own = props.first('tollgate:package:found-by');
  if (own) return own;
  const trivy = props.first('aquasecurity:trivy:PkgType');
  if (trivy) return `trivy:${trivy}`;
  const syft = props.first('syft:package:foundBy');
  if (syft) return `syft:${syft}`;
  return producer === 'other' || producer === 'tollgate' ? 'sbom' : producer;
}

function intOf(s: string | undefined): number | undefined {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
}

function layerOf(f: PackageFacts, ctx: BuildContext): LayerRef | undefined {
  const p = f.props;
  const diffId = p.first('tollgate:layer:diff-id') ?? p.first('aquasecurity:trivy:LayerDiffID') ?? p.first('syft:location:0:layerID');
  const digest = p.first('tollgate:layer:digest') ?? p.first('aquasecurity:trivy:LayerDigest');
  const index = intOf(p.first('tollgate:layer:index')) ?? f.layerHint?.index ?? (diffId !== undefined ? ctx.diffIdIndex.get(diffId) : undefined);
  // A layer without a position cannot be reported as "introduced in layer N"; Syft's documents list no layers.
  if (index === undefined) return undefined;
  const layer: LayerRef = { index };
  if (digest) layer.digest = digest;
  if (diffId) layer.diffId = diffId;
  const createdBy = p.first('tollgate:layer:created-by');
  if (createdBy) layer.createdBy = createdBy;
  return layer;
}

/** "glibc@2.28-10" → {name, version}; Syft writes the dpkg Source field (and its version when it differs). */
function splitUpstream(u: string | undefined): { name?: string; version?: string } {
  if (!u) return {};
  const at = u.indexOf('@');
  return at > 0 ? { name: u.slice(0, at), version: u.slice(at + 1) } : { name: u };
}

/** "openssl-3.0.7-27.el9.src.rpm" → name, version, release (the SOURCERPM header, rpm's NVR layout). */
export function splitSourceRpm(s: string): { name: string; version: string; release: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(s.trim());
  return m ? { name: m[1] ?? '', version: m[2] ?? '', release: m[3] ?? '' } : undefined;
}

/** Trivy's source version: SrcEpoch:SrcVersion-SrcRelease (its dpkg reader splits the Debian version so). */
function trivySourceVersion(props: Props): string | undefined {
  const v = props.first('aquasecurity:trivy:SrcVersion');
  if (!v) return undefined;
  const rel = props.first('aquasecurity:trivy:SrcRelease');
  const epoch = props.first('aquasecurity:trivy:SrcEpoch');
  const base = rel ? `${v}-${rel}` : v;
  return epoch && epoch !== '0' ? `${epoch}:${base}` : base;
}

function metadataOf(
  f: PackageFacts,
  type: PurlType,
  parsed: ParsedPurl | undefined,
  version: string,
  q: Record<string, string>,
  producer: Producer,
): PackageMetadata | undefined {
  const p = f.props;
  const tg = (k: string) => p.first(`tollgate:package:${k}`);
  const trivy = (k: string) => p.first(`aquasecurity:trivy:${k}`);
  const syft = (k: string) => p.first(`syft:metadata:${k}`);
  const name = parsed?.name ?? f.name;
  const arch = q.arch ?? tg('arch') ?? syft('architecture') ?? syft('arch') ?? '';
  const upstream = splitUpstream(q.upstream);
  const installedSize = intOf(tg('installed-size') ?? syft('installedSize'));
  const maintainer = f.supplier;
  switch (type) {
    case 'deb': {
      const sourceName = tg('source-name') ?? trivy('SrcName') ?? syft('source') ?? upstream.name ?? f.builtFrom?.name ?? name;
      const sourceVersion = tg('source-version') ?? trivySourceVersion(p) ?? syft('sourceVersion') ?? upstream.version ?? f.builtFrom?.version ?? version;
      return {
        kind: 'dpkg',
        arch,
        sourceName,
        sourceVersion,
        ...(maintainer ? { maintainer } : {}),
        ...(installedSize !== undefined ? { installedSize } : {}),
      };
    }
    case 'apk': {
      const origin = tg('source-name') ?? trivy('SrcName') ?? syft('originPackage') ?? upstream.name ?? f.builtFrom?.name ?? name;
      const commit = tg('commit') ?? syft('gitCommitOfApkPort');
      return {
        kind: 'apk',
        arch,
        origin,
        ...(commit ? { commit } : {}),
        ...(maintainer ? { maintainer } : {}),
        ...(installedSize !== undefined ? { installedSize } : {}),
      };
    }
    case 'rpm': {
      const vr = version.replace(/^\d+:/, '');
      const dash = vr.lastIndexOf('-');
      const epoch = intOf(q.epoch ?? tg('epoch') ?? syft('epoch') ?? (/^(\d+):/.exec(version)?.[1]));
      const sourceRpm = tg('source-rpm') ?? syft('sourceRpm') ?? (q.upstream?.endsWith('.rpm') ? q.upstream : undefined);
      const fromRpm = sourceRpm ? splitSourceRpm(sourceRpm) : undefined;
      const built = f.builtFrom;
      const builtDash = built?.version?.lastIndexOf('-') ?? -1;
      const sourceName = tg('source-name') ?? trivy('SrcName') ?? fromRpm?.name ?? built?.name;
      const sourceVersion =
        tg('source-version') ?? trivy('SrcVersion') ?? fromRpm?.version ?? (built?.version && builtDash > 0 ? built.version.slice(0, builtDash).replace(/^\d+:/, '') : undefined);
      const sourceRelease = tg('source-release') ?? trivy('SrcRelease') ?? fromRpm?.release ?? (built?.version && builtDash > 0 ? built.version.slice(builtDash + 1) : undefined);
      const modularityLabel = tg('modularity-label') ?? trivy('Modularitylabel') ?? q.modularitylabel ?? syft('modularityLabel');
      return {
        kind: 'rpm',
        ...(epoch !== undefined ? { epoch } : {}),
        version: dash > 0 ? vr.slice(0, dash) : vr,
        release: dash > 0 ? vr.slice(dash + 1) : '',
        arch,
        ...(sourceRpm ? { sourceRpm } : {}),
        ...(sourceName ? { sourceName } : {}),
        ...(sourceVersion ? { sourceVersion } : {}),
        ...(sourceRelease ? { sourceRelease } : {}),
        ...(maintainer ? { vendor: maintainer } : {}),
        ...(modularityLabel ? { modularityLabel } : {}),
        ...(installedSize !== undefined ? { installedSize } : {}),
      };
    }
    default:
      return producer === 'tollgate' ? tollgateLanguageMetadata(f, type, parsed) : undefined;
  }
}

const moduleRef = (s: string | undefined): { path: string; version?: string } | undefined => {
  if (!s) return undefined;
  const at = s.lastIndexOf('@');
  return at > 0 ? { path: s.slice(0, at), version: s.slice(at + 1) } : { path: s };
};

/** The language metadata Tollgate writes as properties (src/sbom/properties.ts), read back. */
function tollgateLanguageMetadata(f: PackageFacts, type: PurlType, parsed: ParsedPurl | undefined): PackageMetadata | undefined {
  const tg = (k: string) => f.props.first(`tollgate:package:${k}`);
  switch (type) {
    case 'golang': {
      const goVersion = tg('go-toolchain');
      const mainModule = tg('go-main-module');
      const replaces = moduleRef(tg('go-replaces'));
      const replacedBy = moduleRef(tg('go-replaced-by'));
      if (!goVersion && !mainModule && !replaces && !replacedBy) return undefined;
      return {
        kind: 'go',
        ...(goVersion ? { goVersion } : {}),
        ...(mainModule ? { mainModule } : {}),
        ...(replaces ? { replaces } : {}),
        ...(replacedBy ? { replacedBy } : {}),
      };
    }
    case 'maven': {
      const source = tg('java-gav-source');
      const sources = ['pom.properties', 'pom.xml', 'manifest', 'filename', 'embedded-sbom', 'lockfile'] as const;
      const known = sources.find((s) => s === source);
      if (!known) return undefined;
      const groupId = f.group ?? (f.name.includes(':') ? f.name.slice(0, f.name.lastIndexOf(':')) : '');
      return {
        kind: 'java',
        groupId,
        artifactId: parsed?.name ?? f.name,
        archive: f.locations[0] ?? '',
        ...(f.sha1 ? { sha1: f.sha1 } : {}),
        source: known,
      };
    }
    case 'npm': {
      const resolved = tg('resolved');
      const workspace = tg('workspace') === 'true';
      return resolved || workspace ? { kind: 'npm', ...(resolved ? { resolved } : {}), ...(workspace ? { workspace } : {}) } : undefined;
    }
    case 'cargo': {
      const source = tg('registry');
      return source ? { kind: 'cargo', source } : undefined;
    }
    case 'gem': {
      const platform = tg('platform');
      return platform ? { kind: 'gem', platform } : undefined;
    }
    case 'composer': {
      const packageType = tg('composer-type');
      return packageType ? { kind: 'composer', packageType } : undefined;
    }
    case 'pypi':
      return f.description ? { kind: 'python', summary: f.description } : undefined;
    default:
      return undefined;
  }
}
