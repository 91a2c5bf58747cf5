/**
 * The JSONPath subset conditions use: `$` then `.name`, `['name']` / `["name"]`, `[N]` and `[*]` / `.*`
 * (RFC 9535 names, index and wildcard selectors; no filters, slices or descendants). A path selects a list of values.
 */
export type PathSegment = { name: string } | { index: number } | { wildcard: true };

export function parseJsonPath(path: string): PathSegment[] | { error: string } {
  if (!path.startsWith('$')) return { error: 'a path starts with "$" (e.g. $.predicate.builder.id)' };
  const out: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (path[i + 1] === '*') {
        out.push({ wildcard: true });
        i += 2;
        continue;
      }
      const m = /^[A-Za-z_$@\-][\w$@\-]*/.exec(path.slice(i + 1));
      if (!m) return { error: `expected a member name after "." at position ${i + 1}` };
      out.push({ name: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      let m: RegExpExecArray | null;
      if ((m = /^\[\s*\*\s*\]/.exec(rest))) out.push({ wildcard: true });
      else if ((m = /^\[\s*(\d+)\s*\]/.exec(rest))) out.push({ index: Number(m[1]) });
      else if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) {
        out.push({ name: m[1]!.replace(/\\(.)/g, '$1') });
      } else return { error: `unsupported selector at position ${i} (use .name, ['name'], [N] or [*])` };
      i += m[0].length;
    } else {
      return { error: `unexpected ${JSON.stringify(c)} at position ${i}` };
    }
  }
  return out;
}

export function isJsonPath(p: PathSegment[] | { error: string }): p is PathSegment[] {
  return Array.isArray(p);
}

/** The values a path selects (none when a member or index is missing). */
export function selectJsonPath(root: unknown, segments: readonly PathSegment[]): unknown[] {
  let current: unknown[] = [root];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('name' in seg) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, seg.name)) {
          next.push((v as Record<string, unknown>)[seg.name]);
        }
      } else if ('index' in seg) {
        if (Array.isArray(v) && seg.index < v.length) next.push(v[seg.index]);
      } else if (Array.isArray(v)) next.push(...v);
      else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
    }
    current = next;
  }
  return current;
}
