/**
 * Quick start, end to end: start a throw-away registry on a random loopback port, build a small real image from
 * this machine's Debian package database, push it with Tollgate's registry client, print its SBOM with the CLI,
 * and stop the registry again. Run through `bash scripts/quickstart.sh [sbom flags...]`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RegistryClient } from '../src/oci/index.js';
import { buildImage, buildLayer, makeTar, type TarEntry } from '../test/support/image-builder.js';
import { repoRoot } from '../test/support/paths.js';
import { pushImage } from '../test/support/push.js';
import { startRegistry } from '../test/support/registry.js';

function hostFiles(): TarEntry[] {
  const entries: TarEntry[] = [];
  const add = (p: string) => {
    try {
      entries.push({ path: p, content: readFileSync(`/${p}`) });
    } catch {
      // absent on this machine: the image simply lacks it
    }
  };
  for (const p of ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'var/lib/dpkg/status', 'etc/alpine-release', 'lib/apk/db/installed']) add(p);
  if (existsSync('/usr/share/doc')) for (const name of readdirSync('/usr/share/doc')) add(`usr/share/doc/${name}/copyright`);
  return entries;
}

async function main(): Promise<number> {
  const registry = await startRegistry({ auth: 'none' });
  try {
    const client = new RegistryClient({});
    const image = buildImage([await buildLayer(await makeTar(hostFiles()))]);
    const reference = `${registry.host}/quickstart/host-packages:1.0`;
    await pushImage(client, reference, { image });
    await client.close();
    process.stderr.write(`pushed ${reference}; tollgate sbom ${reference} ${process.argv.slice(2).join(' ')}\n`);
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'tollgate.js'), 'sbom', reference, ...process.argv.slice(2)], { stdio: 'inherit' });
      child.on('close', (code) => resolve(code ?? 1));
    });
  } finally {
    await registry.stop();
  }
}

process.exitCode = await main();
