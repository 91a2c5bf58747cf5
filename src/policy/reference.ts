/**
 * Image references as policies see them. src/policy may import only src/core (DESIGN.md §2), so this is a small
 * reading of distribution/reference's normalisation (normalize.go splitDockerDomain) rather than src/oci's parser:
 * the first path component is a registry when it contains "." or ":", is "localhost", or has an uppercase letter;
 * otherwise the image is on Docker Hub, and a one-component Hub name lives under "library/".
 *
 * Docker Hub is spelled `index.docker.io` here, as in policy-controller globs (pkg/apis/glob: ResolvedDockerhubHost),
 * so that `index.docker.io/library/nginx` matches `nginx`; `docker.io` is accepted as the same registry.
 */
export const DOCKER_HUB = 'index.docker.io';

export interface PolicyImageRef {
  /** Normalised registry host[:port]; Docker Hub is `index.docker.io`. */
  registry: string;
  repository: string;
  /** Tag as written (none when only a digest was given); `latest` is implied when neither is present. */
  tag?: string;
  digest?: string;
  /** `registry/repository`. */
  name: string;
}

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Parses an image reference; returns a reason instead when it is not one. */
export function parsePolicyImageRef(input: string): PolicyImageRef | { error: string } {
  let s = input.trim();
  if (s === '') return { error: 'the image reference is empty' };
  if (/\s/.test(s)) return { error: 'the image reference contains whitespace' };
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
    if (!DIGEST_RE.test(digest)) return { error: `malformed digest ${JSON.stringify(digest)}` };
  }
  let tag: string | undefined;
  const colon = s.indexOf(':', s.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
    if (!TAG_RE.test(tag)) return { error: `malformed tag ${JSON.stringify(tag)}` };
  }
  let registry = DOCKER_HUB;
  let repository = s;
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const first = s.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      registry = first.toLowerCase();
      repository = s.slice(slash + 1);
    }
  }
  if (registry === 'docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '' || !repository.split('/').every((c) => COMPONENT_RE.test(c))) {
    return { error: `malformed repository name ${JSON.stringify(repository)}` };
  }
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), name: `${registry}/${repository}` };
}

export function isPolicyImageRef(r: PolicyImageRef | { error: string }): r is PolicyImageRef {
  return !('error' in r);
}

/**
 * The strings an image glob is matched against: the repository name, the fully qualified reference as
 * go-containerregistry's `Reference.Name()` gives it (what policy-controller matches: the tag is implied
 * `latest` and dropped when a digest is present), the tag+digest form, and the reference as written (policy-controller's
 * fallback for not fully qualified names).
 */
export function matchCandidates(written: string, ref: PolicyImageRef | undefined): string[] {
  const out = new Set<string>();
  if (ref) {
    out.add(ref.name);
    out.add(ref.digest ? `${ref.name}@${ref.digest}` : `${ref.name}:${ref.tag ?? 'latest'}`);
    if (ref.digest && ref.tag) out.add(`${ref.name}:${ref.tag}@${ref.digest}`);
  }
  out.add(written.trim());
  return [...out];
}
