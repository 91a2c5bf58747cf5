/**
 * Every OS-package case of ../shared/data/pkgdb (dpkg, apk, rpm) put into a one-layer OCI image and read back
 * through the whole pipeline (oci-dir source → verified layer stream → analyzers → merge), compared with the
 * peer's expected.json as the corpus README prescribes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspect } from '../../src/scan/index.js';
import { buildImage, buildLayer, entriesFromDir, makeTar, writeOciLayout } from '../support/image-builder.js';
import { expectedKey, packageKey, pkgdbCases, sourceOf } from '../support/pkgdb.js';
import { INTENTIONAL, expectedFor, type ExpectedOsCase } from '../support/os-conventions.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-pkgdb-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function imageOf(dir: string, name: string): Promise<string> {
  const layer = await buildLayer(await makeTar(await entriesFromDir(dir)), 'gzip');
  const layout = path.join(tmp, name);
  await writeOciLayout(layout, [{ tag: 'test', image: buildImage([layer]) }]);
  return `oci-dir:${layout}:test`;
}

for (const kind of ['dpkg', 'apk', 'rpm']) {
  describe(`pkgdb ${kind} cases as image layers`, () => {
    for (const c of pkgdbCases(kind)) {
      test(c.name, async () => {
        const doc = await inspect(await imageOf(c.dir, `${kind}-${c.name}`), { cacheDir: false });
        const ours = doc.packages.filter((p) => p.type === (kind === 'dpkg' ? 'deb' : kind));
        const byKey = new Map(ours.map((p) => [packageKey(kind, p), p]));
        const wanted = c.expected.packages.map((p) => expectedKey(kind, p));
        if (c.expected.complete) assert.deepEqual([...byKey.keys()].sort(), [...wanted].sort());
        else for (const k of wanted) assert.ok(byKey.has(k), `missing ${k}`);
        for (const exp of c.expected.packages) {
          const p = byKey.get(expectedKey(kind, exp))!;
          const src = sourceOf(p);
          if (exp.srcName) assert.equal(src.srcName, exp.srcName, `${exp.name} source name`);
          if (exp.srcVersion) assert.equal(src.srcVersion, exp.srcVersion, `${exp.name} source version`);
          if (exp.srcRelease) assert.equal(src.srcRelease, exp.srcRelease, `${exp.name} source release`);
          if (exp.sourceRpm) assert.equal(src.sourceRpm, exp.sourceRpm, `${exp.name} SOURCERPM`);
          // Licenses are compared leniently (README): peers normalise differently; we require that we found some.
          if (exp.licenses?.length) assert.ok(p.licenses.length > 0, `${exp.name}: expected licenses ${exp.licenses.join(', ')}, found none`);
          assert.equal(p.layer?.index, 0);
          assert.equal(p.layer?.diffId, doc.layers[0]!.diffId);
          assert.match(p.purl, new RegExp(`^pkg:${kind === 'dpkg' ? 'deb' : kind}/`));
          assert.ok(p.locations.length > 0);
        }
      });
    }
  });
}

describe('pkgdb osrelease cases as image layers', () => {
  for (const c of pkgdbCases('osrelease')) {
    test(c.name, async () => {
      const doc = await inspect(await imageOf(c.dir, `osrelease-${c.name}`), { cacheDir: false });
      const got = doc.os ? { family: doc.os.family, version: doc.os.version } : undefined;
      const exp = c.expected as unknown as ExpectedOsCase;
      const intentional = INTENTIONAL[c.name];
      assert.deepEqual(got, intentional ? intentional.tollgate : expectedFor(c.name, exp));
    });
  }
});
