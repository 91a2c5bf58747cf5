/**
 * This machine's own dpkg database, put into an image layer together with its os-release files and the
 * copyright files of its packages, must give exactly what dpkg-query reports for the same database.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { inspect } from '../../src/scan/index.js';
import { buildImage, buildLayer, makeTar, writeOciLayout, type TarEntry } from '../support/image-builder.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-hostdpkg-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('host /var/lib/dpkg/status as an image layer equals dpkg-query', async () => {
  assert.ok(existsSync('/var/lib/dpkg/status'), 'this test needs a Debian host (dpkg database missing)');
  const query = execFileSync(
    'dpkg-query',
    ['--admindir=/var/lib/dpkg', '-W', '-f', '${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\t${db:Status-Abbrev}\\n'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  // db:Status-Abbrev is want/current/error; the second letter "i" means the package is installed now.
  const expected = new Map<string, { source: string; sourceVersion: string }>();
  for (const line of query.trim().split('\n')) {
    const [name, version, arch, source, sourceVersion, abbrev] = line.split('\t');
    if (abbrev?.[1] !== 'i') continue;
    expected.set(`${name}|${version}|${arch}`, { source: source!, sourceVersion: sourceVersion! });
  }
  assert.ok(expected.size > 50, 'expected a real dpkg database');

  const entries: TarEntry[] = [{ path: 'var/lib/dpkg/status', content: readFileSync('/var/lib/dpkg/status') }];
  for (const f of ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version']) {
    const abs = `/${f}`;
    try {
      entries.push({ path: f, content: readFileSync(abs) });
    } catch {
      // os-release may be a symlink to usr/lib; readFileSync follows it, a missing one is simply absent.
    }
  }
  let withCopyright = 0;
  for (const name of readdirSync('/usr/share/doc')) {
    const f = `/usr/share/doc/${name}/copyright`;
    try {
      entries.push({ path: f.slice(1), content: readFileSync(f) });
      withCopyright++;
    } catch {
      // some doc dirs are symlinks to other packages' or have no copyright file
    }
  }
  const layer = await buildLayer(await makeTar(entries));
  const dir = path.join(tmp, 'layout');
  await writeOciLayout(dir, [{ tag: 'host', image: buildImage([layer]) }]);
  const doc = await inspect(`oci-dir:${dir}:host`, { cacheDir: false });

  const ours = new Map(
    doc.packages
      .filter((p) => p.type === 'deb')
      .map((p) => [`${p.name}|${p.version}|${p.metadata?.kind === 'dpkg' ? p.metadata.arch : ''}`, p]),
  );
  assert.deepEqual([...ours.keys()].sort(), [...expected.keys()].sort());
  for (const [key, want] of expected) {
    const m = ours.get(key)!.metadata;
    assert.ok(m?.kind === 'dpkg');
    assert.equal(m.sourceName, want.source, `${key} source`);
    assert.equal(m.sourceVersion, want.sourceVersion, `${key} source version`);
  }
  const licensed = doc.packages.filter((p) => p.licenses.length > 0).length;
  assert.ok(withCopyright === 0 || licensed > doc.packages.length / 2, `only ${licensed} of ${doc.packages.length} packages got a license`);
  assert.equal(doc.os?.family, 'debian');
});
