/** Running analyzers directly over a corpus case folder, as the pipeline would over a one-layer image of it. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileEntry, OperatingSystem } from '../../src/core/index.js';
import type { Analyzer, AnalyzerOutput, Located } from '../../src/analyzers/index.js';
import { analyzer as release } from '../../src/analyzers/os/release/index.js';

/** Every file of a case folder except expected.json, as image paths ("etc/os-release"). */
export function caseFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const relPath = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, relPath)).isDirectory()) out.push(...caseFiles(dir, relPath));
    else if (relPath !== 'expected.json') out.push(relPath);
  }
  return out;
}

/** Facts of one analyzer over the case folder (round-tripped through JSON like the layer cache). */
export async function factsOf<F>(a: Analyzer<F>, dir: string): Promise<Located<F>[]> {
  const facts: Located<F>[] = [];
  for (const rel of caseFiles(dir)) {
    if (!a.required(rel)) continue;
    const content = readFileSync(path.join(dir, rel));
    const file: FileEntry = { path: rel, size: content.length, mode: 0o100644, content };
    const fact = await a.analyze(file);
    if (fact !== undefined) facts.push({ path: rel, layer: 0, fact: JSON.parse(JSON.stringify(fact)) as F });
  }
  return facts;
}

/** OS detection, then the analyzer's merge with that OS. */
export async function runOnFolder<F>(a: Analyzer<F>, dir: string): Promise<{ out: AnalyzerOutput; os: OperatingSystem | undefined }> {
  const osFacts = await factsOf(release, dir);
  const os = release.merge({ final: osFacts, history: osFacts }).os;
  const facts = await factsOf(a, dir);
  return { out: a.merge({ final: facts, history: facts, ...(os ? { os } : {}) }), os };
}
