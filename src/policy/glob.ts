import { DOCKER_HUB } from './reference.js';

/**
 * Image globs, with sigstore/policy-controller's semantics (pkg/apis/glob/glob.go): `*` matches any run of
 * characters except `/`, `**` any run including `/`, everything else literally, the whole string must match; `*`
 * alone means `index.docker.io/library/*` and `*`/`*` means `index.docker.io/*`/`*`. Tollgate adds `?` (one
 * character other than `/`) and `@` (digests), and reads a glob whose first component is a Docker Hub name the way
 * Docker reads the image: `nginx` is `index.docker.io/library/nginx`, `acme/app*` is `index.docker.io/acme/app*`,
 * and `docker.io/` is `index.docker.io/`.
 */
const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.@?]+$/;

export function imageGlobProblem(glob: string): string | undefined {
  if (glob === '') return 'a glob must not be empty';
  if (!VALID_GLOB.test(glob)) {
    const bad = [...glob].find((c) => !/[a-zA-Z0-9\-_:/*.@?]/.test(c));
    return `invalid glob ${JSON.stringify(glob)}: ${JSON.stringify(bad)} is not allowed (letters, digits, - _ : / . @, and the wildcards * ** ?)`;
  }
  return undefined;
}

/** The glob as Tollgate matches it (Docker Hub spelled out); see the module comment. */
export function normalizeImageGlob(glob: string): string {
  if (glob === '*') return `${DOCKER_HUB}/library/*`;
  if (glob === '*/*') return `${DOCKER_HUB}/*/*`;
  if (glob.startsWith('docker.io/')) return `${DOCKER_HUB}/${glob.slice('docker.io/'.length)}`;
  const slash = glob.indexOf('/');
  const first = slash >= 0 ? glob.slice(0, slash) : glob;
  if (/[*?]/.test(first)) return glob;
  if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) return glob;
  return slash >= 0 ? `${DOCKER_HUB}/${glob}` : `${DOCKER_HUB}/library/${glob}`;
}

const compiled = new Map<string, RegExp>();

export function imageGlobToRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (re) return re;
  const g = normalizeImageGlob(glob);
  let src = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') {
      if (g[i + 1] === '*') {
        src += '.*';
        i++;
      } else src += '[^/]*';
    } else if (c === '?') src += '[^/]';
    else src += c.replace(/[.\\^$+()[\]{}|]/g, (x) => `\\${x}`);
  }
  re = new RegExp(`^${src}$`);
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(glob, re);
  return re;
}

/** True when the glob matches any of the image's match candidates (see reference.ts matchCandidates). */
export function imageGlobMatches(glob: string, candidates: readonly string[]): boolean {
  const re = imageGlobToRegExp(glob);
  return candidates.some((c) => re.test(c));
}
