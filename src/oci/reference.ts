import { UsageError } from '../core/index.js';

/**
 * Image references as Docker understands them. Grammar and normalisation follow distribution/reference
 * (reference.go, normalize.go, regexp.go):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain     := host [ ":" port ]          host := domain-name | IPv4 | "[" IPv6 "]"
 *   path-comp  := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex         (sha256: 64, sha384: 96, sha512: 128 lowercase hex digits)
 *
 * The first "/"-separated component is a registry host iff it contains "." or ":", is "localhost", or has an
 * uppercase letter (repository paths are lowercase, so such a component can only be a host).
 */
export interface ImageReference {
  /** Registry as the user names it, normalised: "docker.io", "localhost:5000", "[::1]:5000". */
  readonly registry: string;
  /** Repository path, e.g. "library/alpine". */
  readonly repository: string;
  /** "latest" when neither a tag nor a digest was given. */
  readonly tag?: string;
  /** When present it wins over the tag for fetching. */
  readonly digest?: string;
  /** Host (and port) that serves the registry API: "registry-1.docker.io" for Docker Hub. */
  readonly apiHost: string;
  /** Fully qualified form, e.g. "docker.io/library/alpine:latest" or "localhost:5000/a/b:1@sha256:…". */
  toString(): string;
}

export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
const DEFAULT_TAG = 'latest';

/** distribution/reference NameTotalLengthMax: the whole name including the domain. */
export const NAME_MAX_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM_RE = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/;

function invalid(input: string, why: string): UsageError {
  return new UsageError('INVALID_REFERENCE', `invalid image reference ${JSON.stringify(input)}: ${why}`);
}

/** Validates an OCI digest string ("sha256:<64 hex>"); returns a reason when invalid. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0) return 'a digest is "<algorithm>:<hex>"';
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!DIGEST_ALGORITHM_RE.test(algorithm)) return `malformed digest algorithm ${JSON.stringify(algorithm)}`;
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported digest algorithm ${JSON.stringify(algorithm)} (sha256, sha384 or sha512)`;
  if (!/^[a-f0-9]*$/.test(hex)) return `a ${algorithm} digest must be lowercase hexadecimal`;
  if (hex.length !== length) return `a ${algorithm} digest has ${length} hex digits, not ${hex.length}`;
  return undefined;
}

export function isValidDigest(digest: string): boolean {
  return digestProblem(digest) === undefined;
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Builds a reference from parts that are already valid (e.g. the child of an index); no normalisation. */
export function makeReference(parts: { registry: string; repository: string; tag?: string; digest?: string }): ImageReference {
  const { registry, repository, tag, digest } = parts;
  const apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
  const text = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const ref: ImageReference = {
    registry,
    repository,
    apiHost,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    toString: () => text,
  };
  return Object.freeze(ref);
}

/** The same repository at another digest (the tag is kept for display; the digest wins for fetching). */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return makeReference({ registry: ref.registry, repository: ref.repository, tag: ref.tag, digest });
}

/**
 * Parses a user-supplied image reference with Docker's normalisation ("alpine" → docker.io/library/alpine:latest).
 * A leading "docker://" or "registry:" transport prefix is accepted and ignored.
 */
export function parseReference(input: string): ImageReference {
  let s = input.trim();
  if (s.startsWith('docker://')) s = s.slice('docker://'.length);
  else if (s.startsWith('registry:')) s = s.slice('registry:'.length);
  if (s === '') throw invalid(input, 'it is empty');
  if (/\s/.test(s)) throw invalid(input, 'it contains whitespace');

  // Digest: everything after the first "@" (a name or tag never contains "@").
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw invalid(input, problem);
  }

  // Tag: a ":" after the last "/" (a ":" before it belongs to the registry port).
  let tag: string | undefined;
  const lastSlash = s.lastIndexOf('/');
  const colon = s.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
    if (!TAG_RE.test(tag)) {
      throw invalid(input, `tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]* and be at most 128 characters`);
    }
  }
  if (s === '') throw invalid(input, 'the repository name is missing');
  if (ANCHORED_IDENTIFIER_RE.test(s)) {
    throw invalid(input, 'a 64-character hexadecimal string is an image ID, not a repository name');
  }

  // Domain: the first component, when it looks like a host (normalize.go splitDockerDomain).
  let registry = DOCKER_HUB;
  let remainder = s;
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const first = s.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      registry = first;
      remainder = s.slice(slash + 1);
      if (!DOMAIN_RE.test(registry)) throw invalid(input, `${JSON.stringify(registry)} is not a valid registry host[:port]`);
    }
  }
  if (registry === LEGACY_DOCKER_HUB) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !remainder.includes('/')) remainder = `library/${remainder}`;

  if (remainder.toLowerCase() !== remainder) throw invalid(input, `repository name ${JSON.stringify(remainder)} must be lowercase`);
  for (const component of remainder.split('/')) {
    if (!PATH_COMPONENT_RE.test(component)) {
      throw invalid(
        input,
        component === ''
          ? 'the repository path has an empty component'
          : `repository path component ${JSON.stringify(component)} must be lowercase letters and digits separated by ".", "_", "__" or "-"`,
      );
    }
  }
  if (registry.length + 1 + remainder.length > NAME_MAX_LENGTH) {
    throw invalid(input, `the repository name is longer than ${NAME_MAX_LENGTH} characters`);
  }

  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return makeReference({ registry, repository: remainder, tag, digest });
}
