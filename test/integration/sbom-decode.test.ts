/**
 * `decodeSbom` (src/sbom/decode) on SBOMs of real images built from the ../shared/data/pkgdb corpus:
 *   - Tollgate round trip: inspect() → encodeSbom (CycloneDX 1.6, SPDX 2.3, native JSON) → decodeSbom gives back
 *     the packages (purl, name, version, source package, locations, layer, dependencies), the OS and the warnings.
 *   - Trivy: the real Trivy CLI (test/support/trivy.ts) writes CycloneDX and SPDX JSON for the same images; the
 *     expected values are read from Trivy's output by plain JSON walking here, and the decoded inventory is also
 *     compared with Tollgate's own inventory of the image (same packages; same source packages, which is what
 *     OS advisories are keyed by).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PackageURL } from 'packageurl-js';
import type { OperatingSystem, Package, SbomDocument } from '../../src/core/index.js';
import { inspect } from '../../src/scan/inspect.js';
import { type DecodedSbom, type SbomFormat, decodeSbom, encodeSbom } from '../../src/sbom/index.js';
import { buildImage, buildLayer, entriesFromDir, makeTar, writeOciLayout, type TarEntry } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { type TrivySbomFormat, testTrivy, trivySbom } from '../support/trivy.js';

let tmp: string;
const layouts: Record<string, string> = {};

/** Layers of pkgdb case folders, each at an optional prefix inside the image. */
const IMAGES: Record<string, [string, string?][][]> = {
  // Ubuntu 18.04 (lsb-release) with its dpkg status, then installed npm / Python / Ruby packages in a second layer.
  ubuntu: [
    [['osrelease/trivy-lsb-release-ok'], ['dpkg/trivy-ubuntu1804-status']],
    [['npm-package-json/trivy-an-node-pkg'], ['python-dist-info/trivy-an-happy-dist'], ['ruby-gemspec/syft-bundler-gemspec']],
  ],
  alpine: [[['apk/scalibr-alpine-3.18']]],
  // SLES 15 SP3 os-release with the rpm NDB database of the SLE 15 base container.
  sles: [[['osrelease/trivy-os-release-suse-linux-enterprise-server'], ['rpm/gorpmdb-ndb-sle15-bci']]],
  // No OS; lockfiles: declared and development-only packages, dependency edges, Go replace directives.
  apps: [
    [
      ['npm-lock/trivy-package-lock-v3', 'srv/node/'],
      ['go-mod/trivy-replace', 'srv/go/'],
      ['rust-cargo-lock/trivy-cargo-normal', 'srv/rust/'],
      ['php-composer-lock/trivy-an-with-dev', 'srv/php/'],
    ],
  ],
};

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-sbom-decode-'));
  for (const [name, layers] of Object.entries(IMAGES)) {
    const built = [];
    for (const cases of layers) {
      const entries: TarEntry[] = [];
      for (const [dir, prefix] of cases) entries.push(...(await entriesFromDir(shared('pkgdb', dir), prefix ?? '')));
      built.push(await buildLayer(await makeTar(entries), 'gzip'));
    }
    const layout = path.join(tmp, name);
    await writeOciLayout(layout, [{ tag: 'test', image: buildImage(built) }]);
    layouts[name] = layout;
  }
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const inventories = new Map<string, Promise<SbomDocument>>();
function inventory(name: string): Promise<SbomDocument> {
  let p = inventories.get(name);
  if (!p) {
    p = inspect(`oci-dir:${layouts[name]}:test`, { cacheDir: false });
    inventories.set(name, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Tollgate → Tollgate
// ---------------------------------------------------------------------------------------------------------------

/** What a scan of the SBOM relies on, per package. */
function scanView(p: Package, format: SbomFormat): unknown {
  const m = p.metadata;
  const osMetadata = m?.kind === 'dpkg' || m?.kind === 'apk' || m?.kind === 'rpm' ? m : undefined;
  const go = m?.kind === 'go' ? { goVersion: m.goVersion, mainModule: m.mainModule, replaces: m.replaces, replacedBy: m.replacedBy } : undefined;
  // SPDX cannot say "has no dependencies" (an absent DEPENDS_ON is the same as an empty list).
  const dependsOn = format === 'spdx' && p.dependsOn?.length === 0 ? undefined : p.dependsOn;
  return {
    purl: p.purl,
    type: p.type,
    name: p.name,
    version: p.version,
    locations: p.locations,
    layer: p.layer,
    foundBy: p.foundBy,
    evidence: p.evidence,
    dev: p.dev,
    ownedBy: p.ownedBy,
    dependsOn,
    osMetadata,
    go,
  };
}

describe('Tollgate SBOMs decode back to the inventory they were written from', () => {
  for (const name of Object.keys(IMAGES)) {
    for (const format of ['cyclonedx', 'spdx', 'json'] as const) {
      test(`${name}: ${format}`, async () => {
        const doc = await inventory(name);
        assert.ok(doc.packages.length >= 3, `${name}: the image should yield packages, got ${doc.packages.length}`);
        const back = decodeSbom(Buffer.from(encodeSbom(doc, format)), `${name}.${format}.json`);
        assert.equal(back.origin.producer.name, 'tollgate');
        assert.equal(back.packages.length, doc.packages.length);
        back.packages.forEach((p, i) => assert.deepEqual(scanView(p, format), scanView(doc.packages[i]!, format), `${name} ${format}: ${p.purl}`));
        assert.deepEqual(back.warnings, doc.warnings);
        assert.deepEqual(back.layers.map((l) => l.diffId), doc.layers.map((l) => l.diffId));
        assert.equal(back.image.manifestDigest, doc.image.manifestDigest);
        assert.equal(back.image.configDigest, doc.image.configDigest);
        assert.deepEqual(back.image.platform, doc.image.platform);
        assert.equal(back.image.kind, doc.image.kind);
        // SPDX's OS package has no place for os-release ID, codename and source file.
        const osView = (o: OperatingSystem | undefined) =>
          format === 'spdx' && o ? { family: o.family, version: o.version, prettyName: o.prettyName } : o;
        assert.deepEqual(osView(back.os), osView(doc.os));
      });
    }
  }

  test('warnings and the incomplete flag survive (cyclonedx, spdx)', async () => {
    const doc = await inventory('alpine');
    const warned: SbomDocument = {
      ...doc,
      warnings: ['layer 0: apk: could not analyze lib/apk/db/installed', 'python: skipped usr/lib/big.whl (9 bytes, limit 1)'],
    };
    for (const format of ['cyclonedx', 'spdx'] as const) {
      const back = decodeSbom(Buffer.from(encodeSbom(warned, format)), `warned.${format}`);
      assert.deepEqual(back.warnings, warned.warnings, format);
      // Tollgate writes "incomplete" whenever it has warnings; read back, they are the gaps of the scan.
      assert.deepEqual(back.gaps, warned.warnings, format);
    }
  });

  test('a DSSE envelope around Tollgate CycloneDX (cosign attest --type cyclonedx) decodes like the document', async () => {
    const doc = await inventory('ubuntu');
    const bom = JSON.parse(encodeSbom(doc, 'cyclonedx')) as unknown;
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://cyclonedx.org/bom',
      subject: [{ name: 'registry.example/ubuntu', digest: { sha256: doc.image.manifestDigest!.slice(7) } }],
      predicate: bom,
    };
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      signatures: [{ keyid: '', sig: 'MEUCIQ==' }],
    };
    const back = decodeSbom(Buffer.from(JSON.stringify(envelope)), 'ubuntu.att.json');
    assert.deepEqual(back.packages.map((p) => scanView(p, 'cyclonedx')), doc.packages.map((p) => scanView(p, 'cyclonedx')));
    assert.deepEqual(back.origin.attestation, {
      envelope: 'dsse',
      predicateType: 'https://cyclonedx.org/bom',
      subjects: statement.subject,
      signatures: 1,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Trivy → Tollgate
// ---------------------------------------------------------------------------------------------------------------

interface Expected {
  os?: { family: string; version: string };
  packages: {
    purl: string;
    name: string;
    version: string;
    source?: { name: string; version: string };
    locations: string[];
    diffId?: string;
  }[];
}

/** Trivy writes some OS types by their long names (aquasecurity/trivy: pkg/fanal/types/const.go, older releases). */
const TRIVY_FAMILY: Record<string, string> = { 'suse linux enterprise server': 'sles' };

const canonical = (purl: string) => PackageURL.fromString(purl).toString();

type Json = Record<string, unknown>;
const props = (c: Json) => (c.properties as { name: string; value: string }[] | undefined) ?? [];
const trivyProp = (c: Json, n: string) => props(c).find((p) => p.name === `aquasecurity:trivy:${n}`)?.value;

/** Expected values from Trivy's CycloneDX, read the way its property names document them. */
function expectedFromCycloneDx(bom: Json): Expected {
  const all: Json[] = [];
  const walk = (list: unknown) => {
    for (const c of (list as Json[] | undefined) ?? []) {
      all.push(c);
      walk(c.components);
    }
  };
  walk(bom.components);
  const osc = all.find((c) => c.type === 'operating-system');
  const packages = all
    .filter((c) => c.type !== 'operating-system' && typeof c.purl === 'string')
    .map((c) => {
      const purl = PackageURL.fromString(c.purl as string);
      const epoch = purl.qualifiers?.epoch;
      const type = purl.type;
      // Trivy keeps the epoch in a purl qualifier; Tollgate's versions carry it ("1:2.31.1-0.4ubuntu3.1").
      const version = epoch ? `${epoch}:${c.version as string}` : (c.version as string);
      const srcName = trivyProp(c, 'SrcName');
      let source: Expected['packages'][number]['source'];
      if (srcName) {
        const v = trivyProp(c, 'SrcVersion') ?? '';
        const rel = trivyProp(c, 'SrcRelease');
        const srcEpoch = trivyProp(c, 'SrcEpoch');
        const full = type === 'deb' ? `${srcEpoch ? `${srcEpoch}:` : ''}${v}${rel ? `-${rel}` : ''}` : type === 'rpm' ? `${v}-${rel ?? ''}` : v;
        source = { name: srcName, version: full };
      }
      const filePath = trivyProp(c, 'FilePath');
      return {
        purl: canonical(c.purl as string),
        name: purl.namespace && !['deb', 'rpm', 'apk'].includes(type) ? `${purl.namespace}/${purl.name}` : purl.name,
        version,
        ...(source ? { source } : {}),
        locations: filePath ? [filePath] : [],
        ...(trivyProp(c, 'LayerDiffID') ? { diffId: trivyProp(c, 'LayerDiffID')! } : {}),
      };
    });
  const family = osc ? (TRIVY_FAMILY[osc.name as string] ?? (osc.name as string)) : undefined;
  return { ...(family ? { os: { family, version: osc!.version as string } } : {}), packages };
}

/** Expected values from Trivy's SPDX: purl externalRefs, "built package from: NAME VERSION", CONTAINS files. */
function expectedFromSpdx(doc: Json): Expected {
  const pkgs = doc.packages as Json[];
  const files = new Map(((doc.files as Json[] | undefined) ?? []).map((f) => [f.SPDXID as string, f.fileName as string]));
  const rels = doc.relationships as Json[];
  const osp = pkgs.find((p) => p.primaryPackagePurpose === 'OPERATING-SYSTEM');
  const packages = pkgs
    .map((p) => ({ p, ref: ((p.externalRefs as Json[] | undefined) ?? []).find((r) => r.referenceType === 'purl') }))
    .filter(({ p, ref }) => ref !== undefined && p.primaryPackagePurpose === 'LIBRARY')
    .map(({ p, ref }) => {
      const purl = PackageURL.fromString(ref!.referenceLocator as string);
      const built = /^built package from: (\S+) (\S+)$/.exec((p.sourceInfo as string | undefined) ?? '');
      const attr = ((p.attributionTexts as string[] | undefined) ?? []).find((t) => t.startsWith('LayerDiffID: '));
      const locations = rels
        .filter((r) => r.spdxElementId === p.SPDXID && r.relationshipType === 'CONTAINS' && files.has(r.relatedSpdxElement as string))
        .map((r) => files.get(r.relatedSpdxElement as string)!);
      return {
        purl: canonical(ref!.referenceLocator as string),
        name: purl.namespace && !['deb', 'rpm', 'apk'].includes(purl.type) ? `${purl.namespace}/${purl.name}` : purl.name,
        version: p.versionInfo as string,
        // rpm: Tollgate keeps the source epoch out of sourceVersion (RpmMetadata has no source epoch).
        ...(built ? { source: { name: built[1]!, version: purl.type === 'rpm' ? built[2]!.replace(/^\d+:/, '') : built[2]! } } : {}),
        locations,
        ...(attr ? { diffId: attr.slice('LayerDiffID: '.length) } : {}),
      };
    });
  const family = osp ? (TRIVY_FAMILY[osp.name as string] ?? (osp.name as string)) : undefined;
  return { ...(family ? { os: { family, version: osp!.versionInfo as string } } : {}), packages };
}

/** The decoded package in the shape of Expected. */
function decodedView(p: Package): Expected['packages'][number] {
  const m = p.metadata;
  let source: Expected['packages'][number]['source'];
  if (m?.kind === 'dpkg') source = { name: m.sourceName, version: m.sourceVersion };
  else if (m?.kind === 'apk') source = { name: m.origin, version: p.version };
  else if (m?.kind === 'rpm' && m.sourceName) source = { name: m.sourceName, version: `${m.sourceVersion ?? ''}-${m.sourceRelease ?? ''}` };
  return {
    purl: p.purl,
    name: p.name,
    version: p.version,
    ...(source ? { source } : {}),
    locations: p.locations,
    ...(p.layer?.diffId ? { diffId: p.layer.diffId } : {}),
  };
}

const byPurl = <T extends { purl: string }>(list: T[]) => [...list].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));

/** Source package as OS advisories key it, from Tollgate's inventory and from the decoded SBOM. */
function sourceKey(p: Package): string | undefined {
  const m = p.metadata;
  if (m?.kind === 'dpkg') return `${m.sourceName} ${m.sourceVersion}`;
  if (m?.kind === 'apk') return m.origin;
  if (m?.kind === 'rpm') return `${m.sourceName} ${m.sourceVersion}-${m.sourceRelease}`;
  return undefined;
}

describe('Trivy SBOMs of the same images', async () => {
  const trivy = await testTrivy();
  const skip = trivy.ok ? false : `Trivy is not available: ${trivy.reason}`;
  const runs: [string, TrivySbomFormat][] = [
    ['ubuntu', 'cyclonedx'],
    ['ubuntu', 'spdx-json'],
    ['ubuntu', 'spdx'],
    ['alpine', 'cyclonedx'],
    ['sles', 'cyclonedx'],
    ['sles', 'spdx-json'],
  ];
  const outputs = new Map<string, Promise<Buffer>>();
  const output = (image: string, format: TrivySbomFormat): Promise<Buffer> => {
    const key = `${image} ${format}`;
    if (!outputs.has(key) && trivy.ok) {
      // Started together: each run is mostly Trivy's own start-up time.
      for (const [i, f] of runs) outputs.set(`${i} ${f}`, trivySbom(trivy.binary, layouts[i]!, f, path.join(tmp, 'trivy')));
    }
    return outputs.get(key)!;
  };

  test('ubuntu: trivy --format spdx (tag-value) decodes to the same document as --format spdx-json', { skip, timeout: 300_000 }, async () => {
    const tagValue = await output('ubuntu', 'spdx');
    assert.match(tagValue.toString('utf8', 0, 64), /^SPDXVersion: SPDX-2\.3\n/);
    const fromTagValue = decodeSbom(tagValue, 'ubuntu.spdx');
    const json = await output('ubuntu', 'spdx-json');
    const fromJson = decodeSbom(json, 'ubuntu.spdx.json');
    assert.equal(fromTagValue.packages.length, expectedFromSpdx(JSON.parse(json.toString('utf8')) as Json).packages.length);
    assert.deepEqual(byPurl(fromTagValue.packages), byPurl(fromJson.packages));
    assert.deepEqual(fromTagValue.os, fromJson.os);
    assert.deepEqual(fromTagValue.layers, fromJson.layers);
  });

  for (const [image, format] of runs.filter(([, f]) => f !== 'spdx')) {
    test(`${image}: trivy --format ${format}`, { skip, timeout: 300_000 }, async () => {
      const bytes = await output(image, format);
      const json = JSON.parse(bytes.toString('utf8')) as Json;
      const spdx = format === 'spdx-json';
      const expected = spdx ? expectedFromSpdx(json) : expectedFromCycloneDx(json);
      const decoded: DecodedSbom = decodeSbom(bytes, `${image}.${format}.json`);

      assert.equal(decoded.origin.producer.name, 'trivy');
      assert.equal(decoded.origin.format, spdx ? 'spdx' : 'cyclonedx');
      assert.deepEqual(decoded.warnings, []);
      assert.ok(expected.os, 'Trivy recognised the OS');
      assert.deepEqual({ family: decoded.os?.family, version: decoded.os?.version }, expected.os);
      assert.equal(decoded.packages.length, expected.packages.length);
      assert.deepEqual(byPurl(decoded.packages.map((p) => decodedView(p))), byPurl(expected.packages));

      // Tollgate's own inventory of the image: the same packages, and the same source packages for OS packages.
      const own = await inventory(image);
      const key = (p: Package) => `${p.type} ${p.name} ${p.version}`;
      assert.deepEqual(decoded.packages.map(key).sort(), own.packages.map(key).sort());
      const ownByKey = new Map(own.packages.map((p) => [key(p), p]));
      for (const p of decoded.packages) {
        const mine = ownByKey.get(key(p))!;
        assert.equal(sourceKey(p), sourceKey(mine), `${key(p)}: source package`);
        assert.equal(p.layer?.index, mine.layer?.index, `${key(p)}: layer`);
      }
      assert.deepEqual({ family: decoded.os?.family, version: decoded.os?.version }, { family: own.os?.family, version: own.os?.version });
    });
  }
});
