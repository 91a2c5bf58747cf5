/**
 * Quick start, end to end: build the vulnerability database from the offline mirror beside the checkout (when
 * there is none yet), start a throw-away registry on a random loopback port, build a small real image from this
 * machine's Debian package database plus an application layer (Node.js and Python dependencies), push it with
 * Tollgate's registry client, scan it with the CLI, and stop the registry again.
 * Run through `bash scripts/quickstart.sh [scan flags...]`, or `bash scripts/quickstart.sh sbom [sbom flags...]`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RegistryClient } from '../src/oci/index.js';
import { buildImage, buildLayer, makeTar, type TarEntry } from '../test/support/image-builder.js';
import { repoRoot, shared } from '../test/support/paths.js';
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

/** A small application: dependencies with known advisories in the offline mirror (lodash, minimist, urllib3). */
function appFiles(): TarEntry[] {
  const pkg = (name: string, version: string) => ({
    path: `app/node_modules/${name}/package.json`,
    content: JSON.stringify({ name, version, license: 'MIT' }),
  });
  return [
    { path: 'app/package.json', content: JSON.stringify({ name: 'quickstart-app', version: '1.0.0', dependencies: { lodash: '4.17.20', minimist: '1.2.5' } }) },
    pkg('lodash', '4.17.20'),
    pkg('minimist', '1.2.5'),
    {
      path: 'usr/local/lib/python3.11/site-packages/urllib3-1.26.4.dist-info/METADATA',
      content: 'Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.4\nLicense: MIT\n',
    },
  ];
}

function run(args: string[]): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'tollgate.js'), ...args], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const command = args[0] === 'sbom' || args[0] === 'scan' ? args.shift()! : 'scan';
  if (command === 'scan') {
    // Offline: the database comes from the mirror of upstream feeds beside the checkout (no internet needed).
    const mirror = process.env.TOLLGATE_VULNDB_MIRROR ?? shared('vulndb');
    process.stderr.write(`building the vulnerability database from ${mirror} (tollgate db update --from …)\n`);
    const code = await run(['db', 'update', '--from', mirror]);
    if (code !== 0) return code;
  }
  const registry = await startRegistry({ auth: 'none' });
  try {
    const client = new RegistryClient({});
    const image = buildImage([await buildLayer(await makeTar(hostFiles())), await buildLayer(await makeTar(appFiles()))]);
    const reference = `${registry.host}/quickstart/host-packages:1.0`;
    await pushImage(client, reference, { image });
    await client.close();
    const extra = command === 'scan' ? ['--skip-db-update'] : [];
    process.stderr.write(`pushed ${reference}; tollgate ${command} ${reference} ${[...extra, ...args].join(' ')}\n`);
    return await run([command, reference, ...extra, ...args]);
  } finally {
    await registry.stop();
  }
}

process.exitCode = await main();
