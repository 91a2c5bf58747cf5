/**
 * Summarises a V8 CPU profile (the .cpuprofile JSON that `node --cpu-prof` writes: nodes with callFrame and
 * hitCount, plus samples[] and timeDeltas[] in microseconds) into self time per function and per file.
 * Only the main thread is profiled: zlib inflate runs on libuv's thread pool and shows up as "(idle)" here.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  what: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: SelfTime[];
  byFile: SelfTime[];
}

function shortUrl(url: string, root: string): string {
  if (!url) return '(native)';
  const u = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (u.startsWith(`${root}/`)) return u.slice(root.length + 1);
  return u;
}

/** A file, or for dependencies the package ("node_modules/tar-stream", "node_modules/@scope/name"). */
function fileGroup(file: string): string {
  const i = file.lastIndexOf('/node_modules/');
  if (i < 0) return file;
  const parts = file.slice(i + '/node_modules/'.length).split('/');
  const pkg = parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  return `node_modules/${pkg}`;
}

export function summarizeCpuProfile(profile: CpuProfile, root: string, top = 15): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; it is charged to the frame sampled now.
    const us = Math.max(0, deltas[i] ?? 0);
    const node = byId.get(samples[i]!);
    if (!node) continue;
    totalUs += us;
    const cf = node.callFrame;
    const f = shortUrl(cf.url, root);
    const name = cf.url ? `${cf.functionName || '(anonymous)'} ${f}:${cf.lineNumber + 1}` : cf.functionName || '(anonymous)';
    fn.set(name, (fn.get(name) ?? 0) + us);
    const fileKey = cf.url ? fileGroup(f) : cf.functionName;
    file.set(fileKey, (file.get(fileKey) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, us]) => ({ what, ms: us / 1000, share: totalUs ? us / totalUs : 0 }));
  return { totalMs: totalUs / 1000, byFunction: rank(fn), byFile: rank(file) };
}
