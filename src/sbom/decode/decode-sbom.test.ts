/**
 * decodeSbom on real third-party material (Syft SBOMs kept as fixtures in test/fixtures/sbom, the attestation and
 * predicate samples of ../shared/data/interop) and on malformed input. Expected values are read from the files by
 * plain JSON walking in the test, not through the decoder. Trivy and Tollgate documents are covered by
 * test/integration/sbom-decode.test.ts (real Trivy runs, Tollgate round trips).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { PackageURL } from 'packageurl-js';
import { repoRoot, shared } from '../../../test/support/paths.js';
import { UsageError } from '../../core/index.js';
import { type DecodedSbom, MAX_SBOM_BYTES, decodeSbom } from '../index.js';

type Json = Record<string, unknown>;
const fixture = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'sbom', name);
const decodeFile = (file: string): DecodedSbom => decodeSbom(readFileSync(file), path.basename(file));
const decodeJson = (doc: unknown, name = 'doc.json'): DecodedSbom => decodeSbom(Buffer.from(JSON.stringify(doc)), name);
const canonical = (purl: string) => PackageURL.fromString(purl).toString();
const prop = (c: Json, name: string) => (c.properties as { name: string; value: string }[]).find((p) => p.name === name)?.value;
const syftPaths = (c: Json) =>
  (c.properties as { name: string; value: string }[])
    .filter((p) => /^syft:location:\d+:path$/.test(p.name))
    .map((p) => p.value.replace(/^\//, ''));

/** Fails with the typed usage error, whose message names the file and matches `re`; never another error. */
function rejects(fn: () => unknown, file: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.ok(e.message.startsWith(file), `message should name ${file}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('Syft SBOMs (test/fixtures/sbom, see its README for provenance)', () => {
  test('Syft 0.43.2 CycloneDX of alpine:latest inside a cosign DSSE attestation', () => {
    const file = fixture('syft-alpine-3.15.cdx.att.json');
    const envelope = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const statement = JSON.parse(Buffer.from(envelope.payload as string, 'base64').toString('utf8')) as Json;
    const bom = statement.predicate as Json;
    const comps = bom.components as Json[];
    const osc = comps.find((c) => c.type === 'operating-system')!;
    const libs = comps.filter((c) => c.type === 'library');

    const doc = decodeFile(file);
    assert.equal(doc.origin.format, 'cyclonedx');
    assert.deepEqual(doc.origin.producer, { name: 'syft', version: '0.43.2' });
    assert.deepEqual(doc.origin.attestation, {
      envelope: 'dsse',
      predicateType: statement.predicateType,
      subjects: statement.subject,
      signatures: (envelope.signatures as unknown[]).length,
    });
    assert.deepEqual({ family: doc.os?.family, version: doc.os?.version }, { family: osc.name, version: osc.version });
    assert.equal(doc.image.input, (bom.metadata as Json & { component: Json }).component.name);
    assert.equal(doc.packages.length, libs.length);
    for (const [i, c] of libs.entries()) {
      const p = doc.packages[i]!;
      // Syft before v0.62 wrote the purl type "alpine"; purl-spec's type is apk with namespace alpine.
      assert.equal(p.purl, canonical((c.purl as string).replace(/^pkg:alpine\//, 'pkg:apk/alpine/')));
      assert.equal(p.type, 'apk');
      assert.equal(p.name, c.name);
      assert.equal(p.version, c.version);
      assert.equal(p.metadata?.kind === 'apk' && p.metadata.origin, prop(c, 'syft:metadata:originPackage'));
      assert.deepEqual(p.locations, syftPaths(c));
      assert.equal(p.foundBy, `syft:${prop(c, 'syft:package:foundBy')}`);
    }
    assert.deepEqual(doc.warnings, []);
  });

  test('Syft 0.58.0 CycloneDX of distroless/static: no OS component, the release comes from the purls', () => {
    const file = fixture('syft-0.58.0-distroless-static.cdx.json');
    const bom = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const comps = bom.components as Json[];
    assert.ok(!comps.some((c) => c.type === 'operating-system'));
    const distros = new Set(comps.map((c) => PackageURL.fromString(c.purl as string).qualifiers?.distro));
    assert.deepEqual([...distros], ['debian-11']);

    const doc = decodeFile(file);
    assert.deepEqual({ family: doc.os?.family, version: doc.os?.version }, { family: 'debian', version: '11' });
    assert.deepEqual(
      doc.packages.map((p) => [p.purl, p.name, p.version, p.locations]),
      comps.map((c) => [canonical(c.purl as string), c.name, c.version, syftPaths(c)]),
    );
    for (const [i, c] of comps.entries()) {
      const m = doc.packages[i]!.metadata;
      assert.ok(m?.kind === 'dpkg');
      // No syft:metadata:source and no upstream= qualifier: the source package is the binary package (dpkg).
      assert.equal(prop(c, 'syft:metadata:source'), undefined);
      assert.equal(m.sourceName, c.name);
      assert.equal(m.sourceVersion, c.version);
      assert.equal(m.installedSize, Number(prop(c, 'syft:metadata:installedSize')));
    }
  });

  test('Syft 0.57.0 SPDX 2.2 of alpine:latest: PACKAGE_MANAGER refs, source from upstream=, locations from sourceInfo', () => {
    const file = fixture('syft-0.57.0-alpine.spdx.json');
    const spdx = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const pkgs = spdx.packages as Json[];
    const doc = decodeFile(file);
    assert.deepEqual(doc.origin.producer, { name: 'syft', version: '0.57.0' });
    assert.equal(doc.origin.specVersion, '2.2');
    assert.equal(doc.packages.length, pkgs.length);
    for (const [i, sp] of pkgs.entries()) {
      const ref = (sp.externalRefs as Json[]).find((r) => r.referenceType === 'purl')!;
      assert.equal(ref.referenceCategory, 'PACKAGE_MANAGER');
      const purl = PackageURL.fromString(ref.referenceLocator as string);
      const p = doc.packages[i]!;
      assert.equal(p.purl, canonical((ref.referenceLocator as string).replace(/^pkg:alpine\//, 'pkg:apk/alpine/')));
      assert.equal(p.version, sp.versionInfo);
      assert.equal(p.metadata?.kind === 'apk' && p.metadata.origin, purl.qualifiers?.upstream);
      assert.deepEqual(p.locations, [(sp.sourceInfo as string).split(': ')[1]!.replace(/^\//, '')]);
    }
    // No OS package in Syft's SPDX: the release is read from the distro qualifiers ("alpine-3.16.2").
    assert.deepEqual({ family: doc.os?.family, version: doc.os?.version }, { family: 'alpine', version: '3.16.2' });
    assert.equal(doc.image.input, spdx.name);
  });
});

describe('attestation and predicate samples (../shared/data/interop/attestations)', () => {
  test('cosign DSSE envelopes whose predicate is not an SBOM are refused, naming the predicate type', () => {
    for (const name of ['valid-custom', 'valid-vuln', 'malformed-custom', 'malformed-vuln']) {
      const file = shared('interop', 'attestations', 'cosign-dsse', `${name}.dsse.json`);
      const env = JSON.parse(readFileSync(file, 'utf8')) as Json;
      const predicateType = (JSON.parse(Buffer.from(env.payload as string, 'base64').toString()) as Json).predicateType as string;
      rejects(() => decodeFile(file), `${name}.dsse.json`, new RegExp(`"${predicateType.replace(/[./]/g, '\\$&')}": this attestation is not an SBOM`));
    }
  });

  test('Sigstore bundles: SLSA provenance is not an SBOM; a message-signature bundle holds no attestation', () => {
    const dir = shared('interop', 'sigstore-bundles');
    rejects(() => decodeFile(path.join(dir, 'sigstore-go-dsse.sigstore.json')), 'sigstore-go-dsse.sigstore.json', /slsa\.dev\/provenance.*not an SBOM/);
    rejects(() => decodeFile(path.join(dir, 'sigstore-go-othername.sigstore.json')), 'sigstore-go-othername.sigstore.json', /signs an artifact/);
  });

  test('in-toto statements with other predicates are refused', () => {
    for (const name of ['intoto-statement-example.json', 'statement-slsa-provenance-v0.2.json']) {
      rejects(() => decodeFile(shared('interop', 'attestations', 'predicates', name)), name, /not an SBOM/);
    }
  });

  test('empty SBOM predicates (k8s bom tool, CycloneDX 1.4 and SPDX 2.2) decode to no packages, with a warning', () => {
    for (const name of ['bom-go-mod.cyclonedx.json', 'bom-go-mod.spdx.json']) {
      const doc = decodeFile(shared('interop', 'attestations', 'predicates', name));
      assert.equal(doc.packages.length, 0);
      assert.deepEqual(doc.warnings, [`${name}: the SBOM lists no packages`]);
    }
  });

  test('example.spdx.json (packages without purls) keeps them as generic and says they cannot be matched', () => {
    const name = 'example.spdx.json';
    const spdx = JSON.parse(readFileSync(shared('interop', 'attestations', 'predicates', name), 'utf8')) as Json;
    const pkgs = spdx.packages as Json[];
    const doc = decodeFile(shared('interop', 'attestations', 'predicates', name));
    // This document writes packageName/packageVersion (an early SPDX JSON draft) instead of name/versionInfo.
    assert.deepEqual(
      doc.packages.map((p) => [p.type, p.name, p.version]),
      pkgs.map((p) => ['generic', p.packageName, p.packageVersion]),
    );
    assert.equal(doc.warnings.length, 1);
    assert.match(doc.warnings[0]!, /^example\.spdx\.json: 2 packages have no package URL.*cannot be matched.*go1\.16\.4\.linux-amd64@1\.16\.4, go@1\.16\.4$/);
  });

  test('the cosign vulnerability predicate is not an SBOM', () => {
    rejects(() => decodeFile(shared('interop', 'attestations', 'predicates', 'cosign-vuln-predicate.json')), 'cosign-vuln-predicate.json', /neither CycloneDX.*nor SPDX/);
  });
});

describe('wrappers and encodings', () => {
  const attFile = fixture('syft-alpine-3.15.cdx.att.json');
  const envelopeText = readFileSync(attFile, 'utf8');
  const envelope = JSON.parse(envelopeText) as Json;
  const statement = JSON.parse(Buffer.from(envelope.payload as string, 'base64').toString('utf8')) as Json;
  const reference = decodeFile(attFile);
  const same = (doc: DecodedSbom) => assert.deepEqual(doc.packages, reference.packages);

  test('a Sigstore bundle around the DSSE envelope', () => {
    const doc = decodeJson({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', verificationMaterial: {}, dsseEnvelope: envelope });
    same(doc);
    assert.equal(doc.origin.attestation?.envelope, 'sigstore-bundle');
  });

  test('the bare in-toto statement (cosign verify-attestation | jq .payload | base64 -d)', () => {
    const doc = decodeJson(statement);
    same(doc);
    assert.equal(doc.origin.attestation?.envelope, 'in-toto-statement');
  });

  test('one envelope per line (cosign download attestation): the SBOM line is used, the others noted', () => {
    const other = readFileSync(shared('interop', 'attestations', 'cosign-dsse', 'valid-vuln.dsse.json'), 'utf8').trim();
    const doc = decodeSbom(Buffer.from(`${other}\n${JSON.stringify(envelope)}\n`), 'atts.jsonl');
    same(doc);
    assert.ok(doc.warnings.includes('atts.jsonl: holds 2 JSON documents, one per line; decoded line 2, the first SBOM'));
    rejects(() => decodeSbom(Buffer.from(`${other}\n${other}\n`), 'vulns.jsonl'), 'vulns.jsonl', /none is an SBOM/);
  });

  test('a predicate written as a string (JSON text; SPDX tag-value as cosign attest --type spdx writes it)', () => {
    same(decodeJson({ ...statement, predicate: JSON.stringify(statement.predicate) }));
    const tagValue = [
      'SPDXVersion: SPDX-2.3',
      'SPDXID: SPDXRef-DOCUMENT',
      'Creator: Tool: example-1.0',
      'PackageName: busybox',
      'SPDXID: SPDXRef-busybox',
      'PackageVersion: 1.36.1-r15',
      'ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1',
      'PackageComment: <text>two',
      'lines</text>',
    ].join('\n');
    const doc = decodeJson({ ...statement, predicateType: 'https://spdx.dev/Document', predicate: tagValue }, 'tv.att.json');
    assert.deepEqual(doc.packages.map((p) => [p.purl, p.version]), [['pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=3.19.1', '1.36.1-r15']]);
    assert.deepEqual(doc.os, { family: 'alpine', version: '3.19.1' });
    assert.equal(doc.origin.attestation?.predicateType, 'https://spdx.dev/Document');
  });

  test('UTF-16LE with a byte-order mark (PowerShell redirection) and UTF-8 with one', () => {
    const text = readFileSync(fixture('syft-0.58.0-distroless-static.cdx.json'), 'utf8');
    const expected = decodeSbom(Buffer.from(text), 'x').packages;
    assert.deepEqual(decodeSbom(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 'x').packages, expected);
    assert.deepEqual(decodeSbom(Buffer.from(`\ufeff${text}`), 'x').packages, expected);
  });

  test('a DSSE envelope with another payload type or a payload that is not base64 JSON', () => {
    rejects(() => decodeJson({ ...envelope, payloadType: 'application/vnd.dev.cosign.simplesigning.v1+json' }, 'e.json'), 'e.json', /payload type application\/vnd\.in-toto\+json/);
    rejects(() => decodeJson({ ...envelope, payload: '%%%' }, 'e.json'), 'e.json', /not base64/);
    rejects(() => decodeJson({ ...envelope, payload: Buffer.from('not json').toString('base64') }, 'e.json'), 'e.json', /does not decode to JSON/);
  });
});

describe('malformed and foreign input: a UsageError naming the file, never a crash', () => {
  const cdx = readFileSync(fixture('syft-0.58.0-distroless-static.cdx.json'), 'utf8');

  test('truncated JSON', () => {
    rejects(() => decodeSbom(Buffer.from(cdx.slice(0, cdx.length / 2)), 'half.json'), 'half.json', /not valid JSON \(the file looks truncated\)/);
  });

  test('CycloneDX XML, SPDX RDF, other XML', () => {
    rejects(() => decodeSbom(Buffer.from('<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"/>'), 'bom.xml'), 'bom.xml', /CycloneDX XML.*convert/);
    rejects(() => decodeSbom(Buffer.from('<rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#"/>'), 'a.rdf'), 'a.rdf', /SPDX RDF/);
    rejects(() => decodeSbom(Buffer.from('<html></html>'), 'a.html'), 'a.html', /XML, not/);
  });

  test('SPDX 3 (JSON-LD and spdxVersion), broken or foreign SPDX tag-value', () => {
    rejects(() => decodeJson({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] }, 's3.json'), 's3.json', /SPDX 3/);
    rejects(() => decodeJson({ spdxVersion: 'SPDX-3.0', packages: [] }, 's3.json'), 's3.json', /SPDX-3\.0; Tollgate reads SPDX 2/);
    rejects(() => decodeSbom(Buffer.from('SPDXVersion: SPDX-2.3\nthis line has no tag\n'), 'a.spdx'), 'a.spdx', /line 2 is not "Tag: value"/);
    rejects(() => decodeSbom(Buffer.from('SPDXVersion: SPDX-3.0\n'), 'b.spdx'), 'b.spdx', /SPDX-3\.0; Tollgate reads SPDX 2/);
  });

  test('other JSON: random objects, arrays, scalars, Syft JSON, a Trivy report, Tollgate-unknown CycloneDX versions', () => {
    rejects(() => decodeJson({ hello: 'world' }, 'r.json'), 'r.json', /neither CycloneDX.*nor SPDX/);
    rejects(() => decodeJson([1, 2], 'a.json'), 'a.json', /an array in JSON/);
    rejects(() => decodeSbom(Buffer.from('42'), 'n.json'), 'n.json', /is not JSON/);
    rejects(() => decodeJson({ artifacts: [], descriptor: { name: 'syft', version: '1.0.0' }, schema: {} }, 's.json'), 's.json', /Syft's own JSON.*-o cyclonedx-json/);
    rejects(() => decodeJson({ SchemaVersion: 2, ArtifactName: 'x', Results: [] }, 't.json'), 't.json', /Trivy JSON report/);
    rejects(() => decodeJson({ bomFormat: 'CycloneDX', specVersion: '1.1', components: [] }, 'c.json'), 'c.json', /specVersion is "1\.1"/);
  });

  test('empty, binary and gzip-compressed files', () => {
    rejects(() => decodeSbom(Buffer.alloc(0), 'e.json'), 'e.json', /is empty/);
    rejects(() => decodeSbom(Buffer.from('   \n'), 'e.json'), 'e.json', /is empty/);
    rejects(() => decodeSbom(gzipSync(cdx), 'b.json.gz'), 'b.json.gz', /gzip-compressed/);
    rejects(() => decodeSbom(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), 'elf'), 'elf', /is not JSON/);
  });

  test('larger than 256 MiB is refused before parsing', () => {
    const big = Buffer.allocUnsafeSlow(MAX_SBOM_BYTES + 1);
    rejects(() => decodeSbom(big, 'huge.json'), 'huge.json', /up to 268435456 bytes \(256 MiB\)/);
  });

  test('hostile nesting is refused, not a stack overflow', () => {
    const n = 50_000;
    const text = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[${'{"type":"library","name":"n","components":['.repeat(n)}{"name":"leaf"}${']}'.repeat(n)}]}`;
    rejects(() => decodeSbom(Buffer.from(text), 'deep.json'), 'deep.json', /nests components deeper than 64 levels/);
    rejects(() => decodeSbom(Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`), 'arr.json'), 'arr.json', /an array in JSON|not valid JSON/);
  });

  test('wrong types name the JSON path of the entry', () => {
    const bom = JSON.parse(cdx) as Json & { components: Json[] };
    rejects(() => decodeJson({ ...bom, components: {} }, 'c.json'), 'c.json', /\$\.components is an object, expected an array/);
    rejects(() => decodeJson({ ...bom, components: [bom.components[0], 'x'] }, 'c.json'), 'c.json', /\$\.components\[1\] is a string, expected an object/);
    rejects(() => decodeJson({ ...bom, components: [{ ...bom.components[0], purl: 7 }] }, 'c.json'), 'c.json', /\$\.components\[0\]\.purl is a number, expected a string/);
    rejects(() => decodeJson({ ...bom, components: [{ ...bom.components[0], properties: 'x' }] }, 'c.json'), 'c.json', /\$\.components\[0\]\.properties is a string/);
    rejects(() => decodeJson({ ...bom, dependencies: [{ ref: 'a', dependsOn: [1] }] }, 'c.json'), 'c.json', /\$\.dependencies\[0\]\.dependsOn\[0\] is a number/);
    rejects(() => decodeJson({ spdxVersion: 'SPDX-2.3', packages: 'x' }, 's.json'), 's.json', /\$\.packages is a string, expected an array/);
    rejects(() => decodeJson({ spdxVersion: 'SPDX-2.3', packages: [{ SPDXID: 'a', name: 'x', externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: {} }] }] }, 's.json'), 's.json', /\$\.packages\[0\]\.externalRefs\[0\]\.referenceLocator is an object/);
  });
});

describe('what the scanner needs from documents of other shapes (hand-written minimal documents)', () => {
  const bom = (components: unknown[], extra: Json = {}) => ({ bomFormat: 'CycloneDX', specVersion: '1.5', components, ...extra });

  test('no purl: derived from Trivy PkgType / Syft package type, else generic with a warning', () => {
    const doc = decodeJson(
      bom([
        { type: 'operating-system', name: 'debian', version: '12' },
        { type: 'library', name: 'libssl3', version: '3.0.11-1~deb12u2', properties: [{ name: 'aquasecurity:trivy:PkgType', value: 'debian' }, { name: 'aquasecurity:trivy:SrcName', value: 'openssl' }] },
        { type: 'library', name: '@babel/core', version: '7.24.0', properties: [{ name: 'syft:package:type', value: 'npm' }] },
        { type: 'library', group: 'org.apache.commons', name: 'commons-text', version: '1.9', properties: [{ name: 'syft:package:type', value: 'java-archive' }] },
        { type: 'library', name: 'mystery', version: '1' },
      ]),
      'nopurl.json',
    );
    assert.deepEqual(
      doc.packages.map((p) => [p.type, p.purl, p.name]),
      [
        ['deb', 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12', 'libssl3'],
        ['npm', 'pkg:npm/%40babel/core@7.24.0', '@babel/core'],
        ['maven', 'pkg:maven/org.apache.commons/commons-text@1.9', 'org.apache.commons:commons-text'],
        ['generic', 'pkg:generic/mystery@1', 'mystery'],
      ],
    );
    assert.equal(doc.packages[0]!.metadata?.kind === 'dpkg' && doc.packages[0]!.metadata.sourceName, 'openssl');
    assert.deepEqual(doc.warnings, ['nopurl.json: 1 package has no package URL and no recognisable ecosystem; kept as generic, they cannot be matched against advisories: mystery@1']);
  });

  test('purl types Tollgate has no advisories for, pkg:none, unparsable purls: kept, and said', () => {
    const doc = decodeJson(
      bom([
        { type: 'library', name: 'Alamofire', version: '5.4.3', purl: 'pkg:cocoapods/Alamofire@5.4.3' },
        { type: 'library', name: 'adduser', version: '3.116ubuntu1', purl: 'pkg:none/adduser@3.116ubuntu1?arch=all' },
        { type: 'library', name: 'x', version: '1', purl: 'not a purl' },
      ]),
      'odd.json',
    );
    assert.deepEqual(doc.packages.map((p) => [p.type, p.purl]), [
      ['generic', 'pkg:cocoapods/Alamofire@5.4.3'],
      ['generic', 'pkg:none/adduser@3.116ubuntu1?arch=all'],
      ['generic', 'pkg:generic/x@1'],
    ]);
    assert.equal(doc.warnings.length, 4);
    assert.ok(doc.warnings.some((w) => /1 package has purl type "cocoapods".*: Alamofire@5\.4\.3$/.test(w)));
    assert.ok(doc.warnings.some((w) => /pkg:none.*cannot be matched.*adduser@3\.116ubuntu1$/.test(w)));
    assert.ok(doc.warnings.some((w) => /do not parse.*x@1 \("not a purl"\)$/.test(w)));
  });

  test('OS: Trivy epoch qualifiers, Syft upstream=name@version, rpm sourceRpm, the OS from the component', () => {
    const doc = decodeJson(
      bom([
        { type: 'operating-system', name: 'rhel', version: '9.3', properties: [{ name: 'syft:distro:id', value: 'rhel' }] },
        { type: 'library', name: 'libssl1.1', version: '1.1.1n-0+deb11u5', purl: 'pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u5?arch=amd64&upstream=openssl%401.1.1n-0%2Bdeb11u4&distro=debian-11' },
        {
          type: 'library',
          name: 'openssl-libs',
          version: '1:3.0.7-24.el9',
          purl: 'pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1&upstream=openssl-3.0.7-24.el9.src.rpm&distro=rhel-9.3',
          properties: [{ name: 'syft:metadata:sourceRpm', value: 'openssl-3.0.7-24.el9.src.rpm' }],
        },
      ]),
    );
    assert.deepEqual({ family: doc.os?.family, version: doc.os?.version, id: doc.os?.id }, { family: 'redhat', version: '9.3', id: 'rhel' });
    const [deb, rpm] = doc.packages;
    assert.deepEqual(deb!.metadata, { kind: 'dpkg', arch: 'amd64', sourceName: 'openssl', sourceVersion: '1.1.1n-0+deb11u4' });
    assert.equal(rpm!.version, '1:3.0.7-24.el9');
    assert.deepEqual(rpm!.metadata, {
      kind: 'rpm',
      epoch: 1,
      version: '3.0.7',
      release: '24.el9',
      arch: 'x86_64',
      sourceRpm: 'openssl-3.0.7-24.el9.src.rpm',
      sourceName: 'openssl',
      sourceVersion: '3.0.7',
      sourceRelease: '24.el9',
    });
  });

  test('names keep the case the document writes when the purl was lower-cased (Go modules, npm)', () => {
    const doc = decodeJson(
      bom([
        { type: 'library', name: 'github.com/BurntSushi/toml', version: 'v1.2.1', purl: 'pkg:golang/github.com/burntsushi/toml@v1.2.1' },
        { type: 'library', name: 'JSONStream', version: '1.3.5', purl: 'pkg:npm/jsonstream@1.3.5' },
        { type: 'library', name: 'Django', version: '4.2', purl: 'pkg:pypi/django@4.2' },
        { type: 'library', name: 'something-else', version: '1', purl: 'pkg:npm/left-pad@1' },
      ]),
    );
    assert.deepEqual(doc.packages.map((p) => p.name), ['github.com/BurntSushi/toml', 'JSONStream', 'django', 'left-pad']);
  });

  test('nested components, Trivy lockfile targets as locations, dependencies as purls', () => {
    const doc = decodeJson(
      bom(
        [
          {
            type: 'application',
            'bom-ref': 'app',
            name: 'srv/package-lock.json',
            properties: [{ name: 'aquasecurity:trivy:Type', value: 'npm' }, { name: 'aquasecurity:trivy:Class', value: 'lang-pkgs' }],
            components: [{ type: 'library', 'bom-ref': 'a', name: 'express', version: '4.17.1', purl: 'pkg:npm/express@4.17.1' }],
          },
          { type: 'library', 'bom-ref': 'b', name: 'debug', version: '2.6.9', purl: 'pkg:npm/debug@2.6.9' },
          { type: 'file', 'bom-ref': 'f', name: '/srv/index.js' },
        ],
        { dependencies: [{ ref: 'app', dependsOn: ['a', 'b'] }, { ref: 'a', dependsOn: ['b', 'f', 'missing'] }, { ref: 'b', dependsOn: [] }] },
      ),
    );
    assert.deepEqual(
      doc.packages.map((p) => [p.purl, p.locations, p.dependsOn]),
      [
        ['pkg:npm/express@4.17.1', ['srv/package-lock.json'], ['pkg:npm/debug@2.6.9']],
        ['pkg:npm/debug@2.6.9', ['srv/package-lock.json'], []],
      ],
    );
  });

  test('OS trouble is reported: several OS components, no release, distro qualifiers that disagree', () => {
    const two = decodeJson(bom([{ type: 'operating-system', name: 'alpine', version: '3.19.1' }, { type: 'operating-system', name: 'debian', version: '12' }]), 'two.json');
    assert.equal(two.os?.family, 'alpine');
    assert.ok(two.warnings.includes('two.json: names 2 operating systems (alpine 3.19.1, debian 12); using the first'));
    const bare = decodeJson(bom([{ type: 'library', name: 'musl', version: '1.2.4-r2', purl: 'pkg:apk/alpine/musl@1.2.4-r2' }]), 'bare.json');
    assert.deepEqual(bare.os, { family: 'alpine', version: '' });
    assert.ok(bare.warnings.some((w) => /names the operating system alpine without its release/.test(w)));
    const mixed = decodeJson(
      bom([
        { type: 'library', name: 'a', version: '1', purl: 'pkg:deb/debian/a@1?distro=debian-11' },
        { type: 'library', name: 'b', version: '1', purl: 'pkg:deb/debian/b@1?distro=debian-12' },
      ]),
      'mixed.json',
    );
    assert.equal(mixed.os, undefined);
    assert.ok(mixed.warnings.includes('mixed.json: has no OS element and its OS packages name several distributions (debian 11, debian 12); no OS assumed'));
  });

  test('a document that declares itself incomplete is a gap of the scan', () => {
    const doc = decodeJson(bom([{ type: 'library', name: 'a', version: '1', purl: 'pkg:npm/a@1' }], { compositions: [{ aggregate: 'incomplete' }] }), 'inc.json');
    assert.deepEqual(doc.gaps, ['inc.json: the SBOM declares itself incomplete (CycloneDX compositions aggregate "incomplete"); packages may be missing']);
    assert.deepEqual(doc.warnings, doc.gaps);
  });
});
