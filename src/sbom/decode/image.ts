import type { ImageMetadata, SourceKind } from '../../core/index.js';
import type { SubjectFacts } from './facts.js';
import { parsePurl } from './purl.js';

const SOURCE_KINDS: readonly SourceKind[] = ['registry', 'oci-dir', 'docker-archive', 'dir'];

/**
 * What the SBOM says about the scanned image. Tollgate's own tollgate:image:* properties (src/sbom/properties.ts)
 * give it back field by field; Trivy's root properties (aquasecurity:trivy:ImageID, RepoDigest, RepoTag, DiffID,
 * Size) and its pkg:oci purl give the identity; Syft gives a name, a version and syft:image:labels:*.
 * `kind` is what was scanned: Tollgate's own value, else "registry" for a container subject and "dir" for
 * anything else (a directory or file subject as Syft and Trivy filesystem scans write, or no subject at all).
 */
export function imageFromSubject(s: SubjectFacts | undefined, fallbackName: string): { image: ImageMetadata; diffIds: string[] } {
  const p = s?.props;
  const first = (name: string) => p?.first(name);
  const all = (name: string) => p?.all(name).filter((v) => v !== '') ?? [];

  const kindProp = first('tollgate:image:source-kind');
  const kind: SourceKind = SOURCE_KINDS.find((k) => k === kindProp) ?? (s?.kind === 'container' ? 'registry' : 'dir');
  const image: ImageMetadata = { input: first('tollgate:image:input') ?? (s?.name || fallbackName), kind };

  const oci = s?.purl ? parsePurl(s.purl) : undefined;
  if (oci?.type === 'oci') {
    const repository = oci.qualifiers.repository_url;
    if (repository) image.repository = repository;
    if (oci.qualifiers.tag) image.tag = oci.qualifiers.tag;
    if (oci.version?.startsWith('sha256:')) image.manifestDigest = oci.version;
  }
  const manifestDigest = first('tollgate:image:digest');
  if (manifestDigest) image.manifestDigest = manifestDigest;
  const indexDigest = first('tollgate:image:index-digest');
  if (indexDigest) image.indexDigest = indexDigest;
  const mediaType = first('tollgate:image:media-type');
  if (mediaType) image.manifestMediaType = mediaType;
  const configDigest = first('tollgate:image:config-digest') ?? first('aquasecurity:trivy:ImageID');
  if (configDigest) image.configDigest = configDigest;
  const platform = first('tollgate:image:platform');
  if (platform) {
    const [os, architecture, variant] = platform.split('/');
    if (os && architecture) image.platform = { os, architecture, ...(variant ? { variant } : {}) };
  }
  const created = first('tollgate:image:created') ?? s?.created;
  if (created) image.created = created;
  const repoDigests = all('tollgate:image:repo-digest').length ? all('tollgate:image:repo-digest') : all('aquasecurity:trivy:RepoDigest');
  if (repoDigests.length) image.repoDigests = repoDigests;
  const repoTags = all('tollgate:image:repo-tag').length ? all('tollgate:image:repo-tag') : all('aquasecurity:trivy:RepoTag');
  if (repoTags.length) image.repoTags = repoTags;
  if (!image.manifestDigest && repoDigests.length) {
    const at = repoDigests[0]!.indexOf('@');
    if (at > 0) image.manifestDigest = repoDigests[0]!.slice(at + 1);
  }
  const size = first('aquasecurity:trivy:Size');
  if (size && /^\d+$/.test(size)) image.size = Number(size);

  const labels: Record<string, string> = {};
  for (const [k, v] of p?.withPrefix('tollgate:image:label:') ?? []) labels[k] = v;
  if (Object.keys(labels).length === 0) for (const [k, v] of p?.withPrefix('syft:image:labels:') ?? []) labels[k] = v;
  if (Object.keys(labels).length) image.labels = labels;

  // Trivy writes the diff IDs as one comma-separated property in some releases and as repeated ones in others.
  const own = all('tollgate:image:diff-id');
  const diffIds = own.length ? own : all('aquasecurity:trivy:DiffID').flatMap((v) => v.split(',').map((x) => x.trim()).filter((x) => x !== ''));
  return { image, diffIds };
}
