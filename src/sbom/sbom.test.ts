import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { PackageURL } from 'packageurl-js';
import { shared } from '../../test/support/paths.js';
import { UsageError, type Package, type SbomDocument } from '../core/index.js';
import {
  type CdxBom,
  type CdxComponent,
  type NativeSbom,
  type SbomFormat,
  type SpdxDocument,
  encodeSbom,
  summarizeSbom,
} from './index.js';

// ---------------------------------------------------------------------------------------------------------------
// Synthetic documents: what a scan of three real images looks like (names, versions, maintainers and purls as the
// distributions write them), with the awkward cases added on purpose.
// ---------------------------------------------------------------------------------------------------------------

const DEBIAN_MANIFEST = 'sha256:4f5c1a5b8e3d2f6a7b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a';
const DEBIAN_LAYER0 = {
  index: 0,
  digest: 'sha256:1468e7ff95fcb865fbc4dee7094f8b99c4dcddd6eb2180cf044c7396baf6fc2f',
  diffId: 'sha256:8e2ab394fabf557b00041a8f080b10b4e91c7027b7c174f095332c7ebb6501cb',
  createdBy: '# debian.sh --arch amd64 out/ bookworm @1718582400',
};
const DEBIAN_LAYER1 = {
  index: 1,
  digest: 'sha256:7b8e3c9a0d1f2e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a',
  diffId: 'sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
  createdBy: 'RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless',
};

function deb(
  name: string,
  version: string,
  licenses: string[],
  extra: Partial<Package> & { source?: string; maintainer?: string } = {},
): Package {
  const { source, maintainer, ...rest } = extra;
  const encodedName = encodeURIComponent(name);
  return {
    purl: `pkg:deb/debian/${encodedName}@${version}?arch=amd64&distro=debian-12`,
    type: 'deb',
    name,
    version,
    licenses,
    locations: ['var/lib/dpkg/status'],
    layer: DEBIAN_LAYER0,
    foundBy: 'dpkg',
    metadata: {
      kind: 'dpkg',
      arch: 'amd64',
      sourceName: source ?? name,
      sourceVersion: version,
      ...(maintainer !== undefined ? { maintainer } : {}),
    },
    ...rest,
  };
}

const debianPackages: Package[] = [
  deb('base-files', '12.4+deb12u6', ['GPL-2+'], { maintainer: 'Santiago Vila <sanvila@debian.org>' }),
  // Epoch in the version; "+" and "~" in it; lower-case "or" in the license.
  deb('passwd', '1:4.13+dfsg1-1', ['GPL-2+', 'BSD-3-clause'], {
    source: 'shadow',
    maintainer: 'Shadow package maintainers <pkg-shadow-devel@lists.alioth.debian.org>',
  }),
  deb('libssl3', '3.0.11-1~deb12u2', ['Apache-2.0'], {
    source: 'openssl',
    maintainer: 'Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>',
  }),
  // The same purl again: distroless images list a package in status.d as well as in the status file.
  deb('libssl3', '3.0.11-1~deb12u2', ['Apache-2.0'], {
    source: 'openssl',
    locations: ['var/lib/dpkg/status.d/libssl3'],
  }),
  deb('libstdc++6', '12.2.0-14', ['GPL-3.0-or-later WITH GCC-exception-3.1'], { source: 'gcc-12' }),
  deb('librust-either-dev', '1.8.1-1', ['MIT or Apache-2.0'], { layer: DEBIAN_LAYER1 }),
  deb('libxml2', '2.9.14+dfsg-1.3~deb12u1', ['LGPL-2.1-or-later AND BSD-3-Clause'], { layer: DEBIAN_LAYER1 }),
  deb('tzdata', '2024a-0+deb12u1', ['This is free software; see the source for copying conditions'], {
    layer: DEBIAN_LAYER1,
  }),
  deb('openjdk-17-jre-headless', '17.0.11+9-1~deb12u1', [], { source: 'openjdk-17', layer: DEBIAN_LAYER1 }),
  deb('libgpg-error0', '1.46-1', ['GPL-2.0-only', 'MIT OR Apache-2.0'], { source: 'libgpg-error' }),
  deb('sensible-utils', '0.0.17+nmu1', ['GPL-2.0+', 'public-domain', 'MIT or Apache-2.0']),
];

const debianDoc: SbomDocument = {
  tool: { name: 'tollgate', version: '0.1.0' },
  createdAt: '2024-06-17T10:11:12.345Z',
  image: {
    input: 'debian:12',
    kind: 'registry',
    repository: 'docker.io/library/debian',
    tag: '12',
    manifestDigest: DEBIAN_MANIFEST,
    indexDigest: 'sha256:a92ed51e0996d8e9de041ca05ce623d2c491444df6a535a566dabd5cb8336946',
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    configDigest: 'sha256:5027089adc4c8f7b0a3a0bd1ee7e0c4e28a7ac5cbe5e86b59bb0bd3a4fe7f3b3',
    platform: { os: 'linux', architecture: 'amd64' },
    created: '2024-06-13T00:00:00Z',
    labels: { 'org.opencontainers.image.source': 'https://github.com/debuerreotype/docker-debian-artifacts' },
    repoDigests: [`docker.io/library/debian@sha256:a92ed51e0996d8e9de041ca05ce623d2c491444df6a535a566dabd5cb8336946`],
    repoTags: ['docker.io/library/debian:12'],
  },
  os: { family: 'debian', version: '12.5', id: 'debian', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: 'etc/os-release' },
  layers: [
    { ...DEBIAN_LAYER0, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 29_150_000 },
    { ...DEBIAN_LAYER1, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 72_000_000 },
  ],
  packages: debianPackages,
  warnings: ['var/lib/dpkg/status.d/broken: malformed stanza at line 3, skipped'],
};

const alpineLayer = {
  index: 0,
  digest: 'sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67fbaf8',
  diffId: 'sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820',
};

function apk(name: string, version: string, licenses: string[], origin = name): Package {
  return {
    purl: `pkg:apk/alpine/${name}@${version}?arch=x86_64&distro=3.19.1`,
    type: 'apk',
    name,
    version,
    licenses,
    locations: ['lib/apk/db/installed'],
    layer: alpineLayer,
    foundBy: 'apk',
    metadata: {
      kind: 'apk',
      arch: 'x86_64',
      origin,
      commit: 'a8f6a9c8d5e1b7e2f6b3c4d5e6f7a8b9c0d1e2f3',
      maintainer: 'Natanael Copa <ncopa@alpinelinux.org>',
      installedSize: 655360,
    },
  };
}

const alpineDoc: SbomDocument = {
  tool: { name: 'tollgate', version: '0.1.0' },
  createdAt: '2024-06-17T10:11:12Z',
  image: {
    input: 'oci-dir:/tmp/images/node-alpine:20',
    kind: 'oci-dir',
    tag: '20',
    manifestDigest: 'sha256:6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0628977d0',
    configDigest: 'sha256:05455a08881ea9cf0e752bc48e61bbd71a34c029bb13df01e40e3e70e0d007bd',
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    repoTags: ['ghcr.io/example/node-alpine:20'],
  },
  os: { family: 'alpine', version: '3.19.1', id: 'alpine', source: 'etc/alpine-release' },
  layers: [{ ...alpineLayer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
  packages: [
    apk('musl', '1.2.4_git20230717-r4', ['MIT']),
    apk('busybox', '1.36.1-r15', ['GPL-2.0-only']),
    apk('ca-certificates-bundle', '20240226-r0', ['MPL-2.0 AND MIT'], 'ca-certificates'),
    apk('libcrypto3', '3.1.4-r5', ['apache-2.0'], 'openssl'),
    apk('zlib', '1.3.1-r0', ['Zlib']),
    apk('scanelf', '1.3.7-r2', ['GPL-2.0-only'], 'pax-utils'),
    // A language package: no OS metadata, hangs directly under the image.
    {
      purl: 'pkg:npm/%40types/node@20.12.7',
      type: 'npm',
      name: '@types/node',
      version: '20.12.7',
      licenses: ['MIT'],
      locations: ['usr/local/lib/node_modules/@types/node/package.json'],
      foundBy: 'npm-package-json',
    },
  ],
  warnings: [],
};

function rpm(
  name: string,
  epoch: number | undefined,
  version: string,
  release: string,
  licenses: string[],
  sourceName = name,
): Package {
  const full = `${epoch !== undefined ? `${epoch}:` : ''}${version}-${release}`;
  return {
    purl: `pkg:rpm/rocky/${name}@${version}-${release}?arch=x86_64&distro=rocky-9.3${epoch !== undefined ? `&epoch=${epoch}` : ''}`,
    type: 'rpm',
    name,
    version: full,
    licenses,
    locations: ['var/lib/rpm/rpmdb.sqlite'],
    layer: { index: 0, diffId: 'sha256:9e6d84e6f68fcbf2c4d1e6f8e0c6ab58b7fb4ffba0cf0a1a0f1c0d0e0f0a0b0c' },
    foundBy: 'rpm',
    metadata: {
      kind: 'rpm',
      ...(epoch !== undefined ? { epoch } : {}),
      version,
      release,
      arch: 'x86_64',
      sourceRpm: `${sourceName}-${version}-${release}.src.rpm`,
      sourceName,
      sourceVersion: version,
      sourceRelease: release,
      vendor: 'Rocky Enterprise Software Foundation',
    },
  };
}

const rockyDoc: SbomDocument = {
  tool: { name: 'tollgate', version: '0.1.0' },
  createdAt: '2024-06-17T10:11:12+02:00',
  image: {
    input: 'docker-archive:/tmp/rocky.tar',
    kind: 'docker-archive',
    manifestDigest: 'sha256:0e1c4bc1e4a3fa7fbc1bd6e5ab5a4cf7c0b1a8c96a0d8c0e4d7a0c5e0c8b0a1d',
    configDigest: 'sha256:2d7ed4ba7a0f8c05bb2b3a2b3f0f2c1d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b',
    platform: { os: 'linux', architecture: 'amd64' },
    repoTags: ['localhost:5000/rocky:9.3'],
  },
  os: { family: 'rocky', version: '9.3', id: 'rocky', prettyName: 'Rocky Linux 9.3 (Blue Onyx)' },
  layers: [
    {
      index: 0,
      diffId: 'sha256:9e6d84e6f68fcbf2c4d1e6f8e0c6ab58b7fb4ffba0cf0a1a0f1c0d0e0f0a0b0c',
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
    },
  ],
  packages: [
    rpm('openssl-libs', 1, '3.0.7', '27.el9', ['Apache-2.0'], 'openssl'),
    rpm('bash', undefined, '5.1.8', '6.el9_1', ['GPLv3+']),
    rpm('glibc', undefined, '2.34', '83.el9.7', ['LGPLv2+ and LGPLv2+ with exceptions and GPLv2+ and GPLv2+ with exceptions and BSD and Inner-Net and ISC and Public Domain and GFDL']),
    rpm('libgcc', undefined, '11.4.1', '2.1.el9', ['GPLv3+ and GPLv3+ with exceptions and GPLv2+ with exceptions and LGPLv2+ and BSD'], 'gcc'),
    rpm('python3-pip-wheel', undefined, '21.2.3', '7.el9', ['MIT and Python and ASL 2.0 and BSD and ISC and LGPLv2 and MPLv2.0 and (ASL 2.0 or BSD)'], 'python-pip'),
    rpm('tzdata', undefined, '2024a', '1.el9', ['Public Domain']),
    { ...rpm('gpg-pubkey', undefined, '8483c65d', '5ccc5b19', ['pubkey']), metadata: { kind: 'rpm', version: '8483c65d', release: '5ccc5b19', arch: '(none)' } },
  ],
  warnings: [],
};

/** A `dir:` scan: no digest, no OS, nothing but packages. */
const dirDoc: SbomDocument = {
  tool: { name: 'tollgate', version: '0.1.0' },
  createdAt: '2024-06-17T10:11:12Z',
  image: { input: 'dir:./rootfs', kind: 'dir' },
  layers: [{ index: 0, mediaType: 'application/vnd.tollgate.directory' }],
  packages: [
    deb('coreutils', '9.1-1', ['GPL-3.0-or-later'], { layer: { index: 0 } }),
    { ...deb('weird name/with spaces', '1.0', ['LicenseRef-acme-eula OR MIT'], { layer: { index: 0 } }), purl: 'pkg:generic/weird%20name%2Fwith%20spaces@1.0', type: 'generic' },
  ],
  warnings: ['usr/lib/os-release: unreadable', 'var/lib/rpm: unsupported database backend'],
};


// An application image on Debian: language packages of every kind, with dependencies, declared and dev entries,
// a nested jar, a Go binary, and Python and Java packages owned by the debs that installed them.
const EMPTY = { sha1: createHash('sha1').digest(), sha256: createHash('sha256').digest(), sha512: createHash('sha512').digest() };
const appLayer = { index: 0, diffId: 'sha256:3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9' };
const PY_DEB = 'pkg:deb/debian/python3-foo@1.2-1?arch=amd64&distro=debian-12';
const JACKSON_DEB = 'pkg:deb/debian/libjackson2-databind-java@2.14.0-1?arch=amd64&distro=debian-12';
const MISSING = 'pkg:npm/not-in-this-document@1.0.0';

function lang(p: Omit<Package, 'licenses' | 'foundBy' | 'layer'> & Partial<Pick<Package, 'licenses' | 'foundBy'>>): Package {
  return { licenses: [], foundBy: p.type, layer: appLayer, ...p };
}

const appPackages: Package[] = [
  deb('python3-foo', '1.2-1', ['MIT'], { layer: appLayer }),
  deb('libjackson2-databind-java', '2.14.0-1', ['Apache-2.0'], { layer: appLayer }),
  lang({
    purl: 'pkg:pypi/foo@1.2',
    type: 'pypi',
    name: 'foo',
    version: '1.2',
    licenses: ['MIT'],
    locations: ['usr/lib/python3/dist-packages/foo-1.2.dist-info/METADATA'],
    metadata: { kind: 'python', declaredName: 'Foo', summary: 'The foo library' },
    ownedBy: PY_DEB,
  }),
  lang({
    purl: 'pkg:pypi/requests@2.31.0',
    type: 'pypi',
    name: 'requests',
    version: '2.31.0',
    locations: ['app/requirements.txt'],
    evidence: 'declared',
    dependsOn: ['pkg:pypi/urllib3@2.0.7', MISSING],
  }),
  lang({ purl: 'pkg:pypi/urllib3@2.0.7', type: 'pypi', name: 'urllib3', version: '2.0.7', locations: ['app/requirements.txt'], evidence: 'declared' }),
  lang({
    purl: 'pkg:npm/express@4.18.2',
    type: 'npm',
    name: 'express',
    version: '4.18.2',
    licenses: ['MIT'],
    locations: ['app/node_modules/express/package.json'],
    evidence: 'installed',
    dependsOn: ['pkg:npm/accepts@1.3.8', 'pkg:npm/accepts@1.3.8', MISSING],
    metadata: { kind: 'npm', integrity: `sha512-${EMPTY.sha512.toString('base64')}`, resolved: 'https://registry.npmjs.org/express/-/express-4.18.2.tgz' },
  }),
  lang({ purl: 'pkg:npm/accepts@1.3.8', type: 'npm', name: 'accepts', version: '1.3.8', locations: ['app/node_modules/accepts/package.json'], dependsOn: [] }),
  // The same purl again (a second copy elsewhere): dependencies point at the first.
  lang({ purl: 'pkg:npm/accepts@1.3.8', type: 'npm', name: 'accepts', version: '1.3.8', locations: ['opt/tool/node_modules/accepts/package.json'] }),
  lang({
    purl: 'pkg:npm/mocha@10.2.0',
    type: 'npm',
    name: 'mocha',
    version: '10.2.0',
    locations: ['src/web/package-lock.json'],
    evidence: 'declared',
    dev: true,
    // Every dependency outside the document: the entry is left out ("unknown"), not written as "none".
    dependsOn: [MISSING],
    metadata: { kind: 'npm', integrity: 'sha1-not-base64!' },
  }),
  lang({
    purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0',
    type: 'maven',
    name: 'com.fasterxml.jackson.core:jackson-databind',
    version: '2.14.0',
    licenses: ['Apache-2.0'],
    locations: ['usr/share/java/jackson-databind.jar'],
    metadata: { kind: 'java', groupId: 'com.fasterxml.jackson.core', artifactId: 'jackson-databind', archive: 'usr/share/java/jackson-databind.jar', sha1: EMPTY.sha1.toString('hex'), source: 'pom.properties' },
    ownedBy: JACKSON_DEB,
    dependsOn: ['pkg:maven/com.fasterxml.jackson.core/jackson-core@2.14.0'],
  }),
  lang({
    purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-core@2.14.0',
    type: 'maven',
    name: 'com.fasterxml.jackson.core:jackson-core',
    version: '2.14.0',
    locations: ['app/app.jar!/BOOT-INF/lib/jackson-core-2.14.0.jar'],
    metadata: { kind: 'java', groupId: 'com.fasterxml.jackson.core', artifactId: 'jackson-core', archive: 'app/app.jar!/BOOT-INF/lib/jackson-core-2.14.0.jar', source: 'manifest' },
  }),
  lang({
    purl: 'pkg:golang/github.com/example/app@v1.4.0',
    type: 'golang',
    name: 'github.com/example/app',
    version: 'v1.4.0',
    locations: ['usr/local/bin/app'],
    metadata: { kind: 'go', goVersion: 'go1.22.1', mainModule: 'github.com/example/app' },
    dependsOn: ['pkg:golang/golang.org/x/net@v0.21.0', 'pkg:golang/stdlib@v1.22.1'],
  }),
  lang({
    purl: 'pkg:golang/golang.org/x/net@v0.21.0',
    type: 'golang',
    name: 'golang.org/x/net',
    version: 'v0.21.0',
    locations: ['usr/local/bin/app'],
    metadata: { kind: 'go', goVersion: 'go1.22.1', mainModule: 'github.com/example/app', replaces: { path: 'golang.org/x/net', version: 'v0.17.0' }, sum: 'h1:AQyQV4dYCvJ7vGmJyKki9+PBdyvhkSd8EIx/qb0AYv4=' },
  }),
  lang({ purl: 'pkg:golang/stdlib@v1.22.1', type: 'golang', name: 'stdlib', version: 'v1.22.1', locations: ['usr/local/bin/app'], metadata: { kind: 'go', goVersion: 'go1.22.1', mainModule: 'github.com/example/app' } }),
  lang({
    purl: 'pkg:cargo/serde@1.0.197',
    type: 'cargo',
    name: 'serde',
    version: '1.0.197',
    locations: ['usr/local/bin/rustapp'],
    metadata: { kind: 'cargo', source: 'registry+https://github.com/rust-lang/crates.io-index', checksum: EMPTY.sha256.toString('hex').toUpperCase() },
  }),
  lang({
    purl: 'pkg:nuget/Newtonsoft.Json@13.0.3',
    type: 'nuget',
    name: 'Newtonsoft.Json',
    version: '13.0.3',
    locations: ['app/App.deps.json'],
    metadata: { kind: 'nuget', sha512: EMPTY.sha512.toString('base64') },
  }),
  lang({ purl: 'pkg:gem/nokogiri@1.16.2?platform=x86_64-linux', type: 'gem', name: 'nokogiri', version: '1.16.2', locations: ['usr/local/bundle/specifications/nokogiri-1.16.2-x86_64-linux.gemspec'], metadata: { kind: 'gem', platform: 'x86_64-linux' } }),
  lang({ purl: 'pkg:composer/monolog/monolog@3.5.0', type: 'composer', name: 'monolog/monolog', version: '3.5.0', locations: ['var/www/vendor/composer/installed.json'], metadata: { kind: 'composer', packageType: 'library' } }),
];

const appDoc: SbomDocument = {
  tool: { name: 'tollgate', version: '0.1.0' },
  createdAt: '2024-06-17T10:11:12Z',
  image: {
    input: 'oci-dir:/tmp/images/app:1.0',
    kind: 'oci-dir',
    tag: '1.0',
    manifestDigest: 'sha256:9f2b1a5b8e3d2f6a7b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a',
    platform: { os: 'linux', architecture: 'amd64' },
    repoTags: ['ghcr.io/example/app:1.0'],
  },
  os: { family: 'debian', version: '12.5', id: 'debian', codename: 'bookworm' },
  layers: [{ ...appLayer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }],
  packages: appPackages,
  warnings: [],
};

const documents: [string, SbomDocument][] = [
  ['debian', debianDoc],
  ['alpine+npm', alpineDoc],
  ['rocky', rockyDoc],
  ['dir without OS', dirDoc],
  ['application with language packages', appDoc],
];

// ---------------------------------------------------------------------------------------------------------------
// Schema validators
// ---------------------------------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule.default;
const spdxLicenseIds = new Set<string>([
  ...(require('spdx-license-ids') as string[]),
  ...(require('spdx-license-ids/deprecated.json') as string[]),
]);
const spdxExceptionIds = new Set<string>([
  ...(require('spdx-exceptions') as string[]),
  ...(require('spdx-exceptions/deprecated.json') as string[]),
]);

const cdxSchemaDir = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

function errorsText(v: ValidateFunction): string {
  return JSON.stringify(v.errors?.slice(0, 10), null, 2);
}

const validateCycloneDx: ValidateFunction = (() => {
  // bom-1.6 is draft-07 and references its neighbours by relative file name (resolved against its $id
  // http://cyclonedx.org/schema/bom-1.6.schema.json), so they are registered under those URLs, as the
  // cyclonedx-library's own validator does.
  const ajv = new Ajv({ strict: false, allErrors: true, loadSchema: undefined });
  addFormats(ajv);
  ajv.addFormat('iri-reference', true); // no ajv-formats implementation; the library accepts any string too
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/);
  ajv.addSchema(readJson(path.join(cdxSchemaDir, 'spdx.SNAPSHOT.schema.json')), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json');
  ajv.addSchema(readJson(path.join(cdxSchemaDir, 'jsf-0.82.SNAPSHOT.schema.json')), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json');
  ajv.addSchema(
    readJson(path.join(cdxSchemaDir, 'cryptography-defs.SNAPSHOT.schema.json')),
    'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json',
  );
  return ajv.compile(readJson(path.join(cdxSchemaDir, 'bom-1.6.SNAPSHOT.schema.json')));
})();

const validateSpdx: ValidateFunction = (() => {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(readJson(shared('schemas', 'spdx-2.3.schema.json')));
})();

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by all documents
// ---------------------------------------------------------------------------------------------------------------

function encodeAll(doc: SbomDocument): { cdx: CdxBom; spdx: SpdxDocument; native: NativeSbom; texts: Record<SbomFormat, string> } {
  const texts = {
    cyclonedx: encodeSbom(doc, 'cyclonedx'),
    spdx: encodeSbom(doc, 'spdx'),
    json: encodeSbom(doc, 'json'),
  };
  return {
    cdx: JSON.parse(texts.cyclonedx) as CdxBom,
    spdx: JSON.parse(texts.spdx) as SpdxDocument,
    native: JSON.parse(texts.json) as NativeSbom,
    texts,
  };
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

/** Tokens of an SPDX license expression that are neither operators nor parentheses. */
function licenseTerms(expression: string): string[] {
  return expression
    .replace(/[()]/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '' && !['AND', 'OR', 'WITH'].includes(t));
}

for (const [label, doc] of documents) {
  describe(`SBOM of ${label}`, () => {
    const { cdx, spdx, native, texts } = encodeAll(doc);

    test('every format is pretty JSON ending in one newline, and encoding is deterministic', () => {
      for (const [format, text] of Object.entries(texts)) {
        assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'), format);
        assert.ok(text.includes('\n  "'), `${format} is indented`);
        assert.equal(encodeSbom(doc, format as SbomFormat), text, `${format} is deterministic`);
      }
    });

    test('CycloneDX validates against the official 1.6 schema', () => {
      assert.ok(validateCycloneDx(cdx), errorsText(validateCycloneDx));
    });

    test('CycloneDX header', () => {
      assert.equal(cdx.bomFormat, 'CycloneDX');
      assert.equal(cdx.specVersion, '1.6');
      assert.equal(cdx.version, 1);
      assert.match(cdx.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(cdx.metadata.timestamp, new Date(doc.createdAt).toISOString().replace(/\.\d+Z$/, 'Z'));
      assert.deepEqual(cdx.metadata.tools.components, [{ type: 'application', name: 'tollgate', version: '0.1.0' }]);
      assert.equal(cdx.metadata.component.type, 'container');
    });

    test('CycloneDX: every package present once per occurrence, with its purl; bom-refs unique', () => {
      const libraries = cdx.components.filter((c) => c.type === 'library' || c.type === 'application');
      assert.equal(libraries.length, doc.packages.length);
      assert.deepEqual(countBy(libraries, (c) => c.purl ?? ''), countBy(doc.packages, (p) => p.purl));
      const refs = [cdx.metadata.component, ...cdx.components].map((c) => c['bom-ref']);
      assert.equal(new Set(refs).size, refs.length, `duplicate bom-ref in ${refs.join(' ')}`);
      for (const [i, pkg] of doc.packages.entries()) {
        const c = libraries[i];
        assert.ok(c !== undefined);
        // Maven: group = groupId, name = artifactId (Package.name is "groupId:artifactId").
        assert.equal(c.group !== undefined ? `${c.group}:${c.name}` : c.name, pkg.name);
        assert.equal(c.version, pkg.version || undefined);
        assert.equal(c.purl, pkg.purl);
        assert.deepEqual(c.evidence?.occurrences.map((o) => o.location), pkg.locations);
      }
    });

    test('CycloneDX: dependencies point at existing components; root -> OS -> OS packages', () => {
      const refs = new Set([cdx.metadata.component, ...cdx.components].map((c) => c['bom-ref']));
      for (const d of cdx.dependencies) {
        assert.ok(refs.has(d.ref), d.ref);
        for (const r of d.dependsOn) assert.ok(refs.has(r), r);
      }
      const rootDeps = cdx.dependencies.find((d) => d.ref === cdx.metadata.component['bom-ref']);
      assert.ok(rootDeps);
      const osComponent = cdx.components.find((c) => c.type === 'operating-system');
      assert.equal(osComponent?.name, doc.os?.family);
      assert.equal(osComponent?.version, doc.os?.version);
      const reached = new Set(rootDeps.dependsOn);
      if (osComponent) {
        assert.ok(rootDeps.dependsOn.includes(osComponent['bom-ref']));
        const osDeps = cdx.dependencies.find((d) => d.ref === osComponent['bom-ref']);
        const osPurls = (osDeps?.dependsOn ?? []).map((r) => cdx.components.find((c) => c['bom-ref'] === r)?.purl);
        assert.ok(osPurls.every((p) => /^pkg:(deb|apk|rpm)\//.test(p ?? '')));
        for (const r of osDeps?.dependsOn ?? []) reached.add(r);
      }
      // Every package is reachable from the root, exactly once.
      const libraryRefs = cdx.components.filter((c) => c.type === 'library' || c.type === 'application').map((c) => c['bom-ref']);
      // Only the root, the OS and packages with known dependencies have entries, each once.
      const entryRefs = cdx.dependencies.map((d) => d.ref);
      assert.equal(new Set(entryRefs).size, entryRefs.length);
      assert.equal(cdx.dependencies.length, 1 + (osComponent ? 1 : 0) + doc.packages.filter((p) => p.dependsOn !== undefined && (p.dependsOn.length === 0 || p.dependsOn.some((d) => doc.packages.some((q) => q.purl === d)))).length);
      assert.deepEqual(new Set(libraryRefs), new Set([...reached].filter((r) => r !== osComponent?.['bom-ref'])));
    });

    test('SPDX validates against the official 2.3 schema', () => {
      assert.ok(validateSpdx(spdx), errorsText(validateSpdx));
    });

    test('SPDX header', () => {
      assert.equal(spdx.spdxVersion, 'SPDX-2.3');
      assert.equal(spdx.dataLicense, 'CC0-1.0');
      assert.equal(spdx.SPDXID, 'SPDXRef-DOCUMENT');
      assert.equal(spdx.name, doc.image.input);
      assert.match(spdx.documentNamespace, /^https:\/\/[^#\s]+$/);
      assert.deepEqual(spdx.creationInfo.creators, ['Tool: tollgate-0.1.0']);
      // §6.9: YYYY-MM-DDThh:mm:ssZ
      assert.match(spdx.creationInfo.created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(Date.parse(spdx.creationInfo.created), Math.floor(Date.parse(doc.createdAt) / 1000) * 1000);
    });

    test('SPDX: SPDXIDs unique and valid; every package present with its purl; relationships resolve', () => {
      const ids = spdx.packages.map((p) => p.SPDXID);
      assert.equal(new Set(ids).size, ids.length);
      for (const id of ids) assert.match(id, /^SPDXRef-[A-Za-z0-9.-]+$/);
      const libraries = spdx.packages.filter((p) => p.primaryPackagePurpose === 'LIBRARY');
      const purlsOf = (p: { externalRefs?: { referenceType: string; referenceLocator: string }[] }): string[] =>
        (p.externalRefs ?? []).filter((r) => r.referenceType === 'purl').map((r) => r.referenceLocator);
      assert.deepEqual(countBy(libraries.flatMap(purlsOf), (p) => p), countBy(doc.packages, (p) => p.purl.replace(/ /g, '%20')));
      for (const p of spdx.packages) {
        assert.equal(p.downloadLocation, 'NOASSERTION');
        assert.equal(p.filesAnalyzed, false);
        assert.equal(p.licenseConcluded, 'NOASSERTION');
        assert.equal(p.copyrightText, 'NOASSERTION');
        for (const r of p.externalRefs ?? []) assert.doesNotMatch(r.referenceLocator, /\s/);
      }
      const known = new Set(['SPDXRef-DOCUMENT', ...ids]);
      for (const r of spdx.relationships) {
        assert.ok(known.has(r.spdxElementId), r.spdxElementId);
        assert.ok(known.has(r.relatedSpdxElement), r.relatedSpdxElement);
      }
      const image = spdx.packages.find((p) => p.primaryPackagePurpose === 'CONTAINER');
      assert.ok(image);
      assert.deepEqual(
        spdx.relationships.filter((r) => r.relationshipType === 'DESCRIBES'),
        [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: image.SPDXID }],
      );
      const os = spdx.packages.find((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM');
      assert.equal(os?.name, doc.os?.family);
      // Each package is contained exactly once by the OS (OS packages) or the image (the others), and a package
      // owned by an OS package also by that package's (first) element.
      const firstElement = (purl: string): string | undefined => libraries[doc.packages.findIndex((p) => p.purl === purl)]?.SPDXID;
      for (const [i, pkg] of doc.packages.entries()) {
        const element = libraries[i];
        assert.ok(element);
        const containers = spdx.relationships.filter(
          (r) => r.relationshipType === 'CONTAINS' && r.relatedSpdxElement === element.SPDXID,
        );
        const expectedParent: string = os !== undefined && ['deb', 'apk', 'rpm'].includes(pkg.type) ? os.SPDXID : image.SPDXID;
        const owner = pkg.ownedBy !== undefined ? firstElement(pkg.ownedBy) : undefined;
        assert.deepEqual(containers.map((r) => r.spdxElementId), owner !== undefined ? [expectedParent, owner] : [expectedParent], pkg.purl);
      }
    });

    test('SPDX: licenseDeclared is a valid expression whose LicenseRefs are all defined', () => {
      const defined = new Map((spdx.hasExtractedLicensingInfos ?? []).map((e) => [e.licenseId, e.extractedText]));
      for (const id of defined.keys()) assert.match(id, /^LicenseRef-[A-Za-z0-9.-]+$/);
      const used = new Set<string>();
      for (const p of spdx.packages) {
        if (p.licenseDeclared === 'NOASSERTION') continue;
        const terms = licenseTerms(p.licenseDeclared);
        for (const [i, term] of terms.entries()) {
          if (term.startsWith('LicenseRef-')) {
            assert.ok(defined.has(term), `${term} is not defined`);
            used.add(term);
          } else if (spdxExceptionIds.has(term)) {
            assert.match(p.licenseDeclared, new RegExp(`WITH ${term.replace(/[.+]/g, '\\$&')}`));
          } else {
            assert.ok(spdxLicenseIds.has(term.replace(/\+$/, '')), `${term} (term ${i} of ${p.licenseDeclared}) is no SPDX id`);
          }
        }
      }
      assert.deepEqual([...defined.keys()].sort(), [...used].sort(), 'every defined LicenseRef is used');
    });

    test('native JSON keeps the document as it is', () => {
      assert.equal(native.schemaVersion, 1);
      assert.deepEqual(Object.keys(native), ['schemaVersion', 'tool', 'createdAt', 'image', 'os', 'layers', 'packages', 'warnings']);
      assert.deepEqual(native.tool, doc.tool);
      assert.deepEqual(native.image, doc.image);
      assert.deepEqual(native.os, doc.os ?? null);
      assert.deepEqual(native.layers, doc.layers);
      assert.deepEqual(native.packages, doc.packages);
      assert.deepEqual(native.warnings, doc.warnings);
    });

    test('warnings are carried into every format', () => {
      const cdxWarnings = (cdx.metadata.properties ?? []).filter((p) => p.name === 'tollgate:analysis:warning').map((p) => p.value);
      assert.deepEqual(cdxWarnings, doc.warnings);
      if (doc.warnings.length) {
        assert.deepEqual(cdx.compositions, [{ aggregate: 'incomplete', assemblies: [cdx.metadata.component['bom-ref']] }]);
        for (const w of doc.warnings) assert.ok(spdx.comment?.includes(w), w);
      } else {
        assert.equal(cdx.compositions, undefined);
        assert.equal(spdx.comment, undefined);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Specific expectations
// ---------------------------------------------------------------------------------------------------------------

function cdxByPurlIndex(bom: CdxBom, purl: string, nth = 0): CdxComponent {
  const found = bom.components.filter((c) => c.purl === purl)[nth];
  assert.ok(found, purl);
  return found;
}

describe('license mapping of the awkward cases', () => {
  const { cdx, spdx } = encodeAll(debianDoc);
  const extracted = new Map((spdx.hasExtractedLicensingInfos ?? []).map((e) => [e.licenseId, e.extractedText]));
  const spdxFor = (name: string): string => {
    const p = spdx.packages.find((x) => x.name === name);
    assert.ok(p, name);
    return p.licenseDeclared;
  };
  const cdxFor = (name: string): CdxComponent['licenses'] => cdx.components.find((c) => c.name === name)?.licenses;

  // [package, its declared licenses (see debianPackages), CycloneDX licenses, SPDX licenseDeclared]
  const table: [string, unknown, string][] = [
    // Debian short name: not SPDX, so a name in CycloneDX and a LicenseRef (with its text) in SPDX.
    ['base-files', [{ license: { name: 'GPL-2+' } }], 'LicenseRef-GPL-2-plus'],
    // Mixed text + id; "BSD-3-clause" is an SPDX id in other case (Annex D: ids are case-insensitive).
    ['passwd', [{ license: { name: 'GPL-2+' } }, { license: { id: 'BSD-3-Clause' } }], 'LicenseRef-GPL-2-plus AND BSD-3-Clause'],
    ['libssl3', [{ license: { id: 'Apache-2.0' } }], 'Apache-2.0'],
    [
      'libstdc++6',
      [{ expression: 'GPL-3.0-or-later WITH GCC-exception-3.1' }],
      'GPL-3.0-or-later WITH GCC-exception-3.1',
    ],
    // Lower-case operator.
    ['librust-either-dev', [{ expression: 'MIT OR Apache-2.0' }], 'MIT OR Apache-2.0'],
    ['libxml2', [{ expression: 'LGPL-2.1-or-later AND BSD-3-Clause' }], 'LGPL-2.1-or-later AND BSD-3-Clause'],
    [
      'tzdata',
      [{ license: { name: 'This is free software; see the source for copying conditions' } }],
      'LicenseRef-This-is-free-software-see-the-source-for-copying-conditions',
    ],
    // No license at all: nothing in CycloneDX, NOASSERTION in SPDX.
    ['openjdk-17-jre-headless', undefined, 'NOASSERTION'],
    // Two declarations, one compound: one CycloneDX expression; OR needs parentheses under AND.
    ['libgpg-error0', [{ expression: 'GPL-2.0-only AND (MIT OR Apache-2.0)' }], 'GPL-2.0-only AND (MIT OR Apache-2.0)'],
    // A compound expression next to free text: CycloneDX cannot mix them, so all become license entries.
    [
      'sensible-utils',
      [{ license: { name: 'GPL-2.0+' } }, { license: { name: 'public-domain' } }, { license: { name: 'MIT OR Apache-2.0' } }],
      'GPL-2.0+ AND LicenseRef-public-domain AND (MIT OR Apache-2.0)',
    ],
  ];
  for (const [name, expectedCdx, expectedSpdx] of table) {
    test(name, () => {
      assert.deepEqual(cdxFor(name), expectedCdx);
      assert.equal(spdxFor(name), expectedSpdx);
    });
  }

  test('extracted licensing infos hold the declared text, once per text', () => {
    assert.equal(extracted.get('LicenseRef-GPL-2-plus'), 'GPL-2+');
    assert.equal(extracted.get('LicenseRef-public-domain'), 'public-domain');
    assert.equal(
      extracted.get('LicenseRef-This-is-free-software-see-the-source-for-copying-conditions'),
      'This is free software; see the source for copying conditions',
    );
    assert.equal(extracted.size, 3);
  });

  test('a declared LicenseRef is defined, quoting the declaration', () => {
    const { spdx: dirSpdx } = encodeAll(dirDoc);
    const weird = dirSpdx.packages.find((p) => p.name === 'weird name/with spaces');
    assert.equal(weird?.licenseDeclared, 'LicenseRef-acme-eula OR MIT');
    assert.deepEqual(
      dirSpdx.hasExtractedLicensingInfos?.map((e) => [e.licenseId, e.extractedText]),
      [['LicenseRef-acme-eula', 'LicenseRef-acme-eula OR MIT']],
    );
  });

  test('rpm license strings (Fedora short names) stay text', () => {
    const { cdx: rockyCdx, spdx: rockySpdx } = encodeAll(rockyDoc);
    const bash = rockyCdx.components.find((c) => c.name === 'bash');
    assert.deepEqual(bash?.licenses, [{ license: { name: 'GPLv3+' } }]);
    assert.equal(rockySpdx.packages.find((p) => p.name === 'bash')?.licenseDeclared, 'LicenseRef-GPLv3-plus');
    // "Public Domain" appears in tzdata; the glibc string differs and gets its own ref.
    assert.equal(rockySpdx.packages.find((p) => p.name === 'tzdata')?.licenseDeclared, 'LicenseRef-Public-Domain');
  });
});

describe('identity of the image and the packages', () => {
  const { cdx, spdx } = encodeAll(debianDoc);

  test('the image is the root component with an oci purl per the purl spec', () => {
    const root = cdx.metadata.component;
    assert.equal(root.name, 'docker.io/library/debian');
    assert.equal(root.version, '12');
    // purl-spec PURL-TYPES oci example: pkg:oci/debian@sha256%3A244fd47e07d10?repository_url=docker.io/library/debian&arch=amd64&tag=latest
    const expected = `pkg:oci/debian@sha256%3A${DEBIAN_MANIFEST.slice(7)}?arch=amd64&repository_url=docker.io/library/debian&tag=12`;
    assert.equal(root.purl, expected);
    assert.equal(root['bom-ref'], expected);
    const parsed = PackageURL.fromString(expected);
    assert.equal(parsed.type, 'oci');
    assert.equal(parsed.name, 'debian');
    assert.equal(parsed.version, DEBIAN_MANIFEST);
    assert.deepEqual({ ...parsed.qualifiers }, { arch: 'amd64', repository_url: 'docker.io/library/debian', tag: '12' });
    assert.deepEqual(root.hashes, [{ alg: 'SHA-256', content: DEBIAN_MANIFEST.slice(7) }]);
    const props = new Map<string, string[]>();
    for (const p of root.properties ?? []) props.set(p.name, [...(props.get(p.name) ?? []), p.value]);
    assert.deepEqual(props.get('tollgate:image:digest'), [DEBIAN_MANIFEST]);
    assert.deepEqual(props.get('tollgate:image:config-digest'), [debianDoc.image.configDigest]);
    assert.deepEqual(props.get('tollgate:image:platform'), ['linux/amd64']);
    assert.deepEqual(props.get('tollgate:image:diff-id'), [DEBIAN_LAYER0.diffId, DEBIAN_LAYER1.diffId]);
    assert.deepEqual(props.get('tollgate:image:label:org.opencontainers.image.source'), [
      'https://github.com/debuerreotype/docker-debian-artifacts',
    ]);

    const image = spdx.packages[0];
    assert.equal(image?.primaryPackagePurpose, 'CONTAINER');
    assert.deepEqual(image?.externalRefs, [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: expected }]);
    assert.deepEqual(image?.checksums, [{ algorithm: 'SHA256', checksumValue: DEBIAN_MANIFEST.slice(7) }]);
    assert.equal(image?.builtDate, '2024-06-13T00:00:00Z');
  });

  test('duplicate purls get distinct bom-refs and SPDXIDs, the first keeps the purl', () => {
    const purl = 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12';
    const first = cdxByPurlIndex(cdx, purl, 0);
    const second = cdxByPurlIndex(cdx, purl, 1);
    assert.equal(first['bom-ref'], purl);
    assert.notEqual(second['bom-ref'], purl);
    assert.deepEqual(second.evidence?.occurrences, [{ location: 'var/lib/dpkg/status.d/libssl3' }]);
    const spdxIds = spdx.packages.filter((p) => p.name === 'libssl3').map((p) => p.SPDXID);
    assert.equal(spdxIds.length, 2);
    assert.notEqual(spdxIds[0], spdxIds[1]);
  });

  test('package properties, supplier and SPDX sourceInfo', () => {
    const passwd = cdx.components.find((c) => c.name === 'passwd');
    assert.ok(passwd);
    assert.equal(passwd.version, '1:4.13+dfsg1-1');
    assert.deepEqual(passwd.supplier, {
      name: 'Shadow package maintainers',
      contact: [{ email: 'pkg-shadow-devel@lists.alioth.debian.org' }],
    });
    const props = Object.fromEntries((passwd.properties ?? []).map((p) => [p.name, p.value]));
    assert.equal(props['tollgate:package:source-name'], 'shadow');
    assert.equal(props['tollgate:package:arch'], 'amd64');
    assert.equal(props['tollgate:layer:index'], '0');
    assert.equal(props['tollgate:layer:digest'], DEBIAN_LAYER0.digest);
    assert.equal(props['tollgate:layer:diff-id'], DEBIAN_LAYER0.diffId);
    assert.equal(props['tollgate:package:found-by'], 'dpkg');

    const spdxPasswd = spdx.packages.find((p) => p.name === 'passwd');
    assert.equal(spdxPasswd?.versionInfo, '1:4.13+dfsg1-1');
    assert.equal(spdxPasswd?.supplier, 'Organization: Shadow package maintainers (pkg-shadow-devel@lists.alioth.debian.org)');
    assert.equal(spdx.packages.find((p) => p.name === 'base-files')?.supplier, 'Person: Santiago Vila (sanvila@debian.org)');
    assert.equal(spdx.packages.find((p) => p.name === 'tzdata')?.supplier, 'NOASSERTION');
    assert.equal(
      spdxPasswd?.sourceInfo,
      `acquired package info from var/lib/dpkg/status; introduced in layer 0 (${DEBIAN_LAYER0.diffId}); built package from: shadow 1:4.13+dfsg1-1`,
    );
    assert.ok(spdxPasswd?.annotations?.some((a) => a.comment === `tollgate:layer:diff-id: ${DEBIAN_LAYER0.diffId}`));
    for (const p of spdx.packages) assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
    assert.ok(spdx.packages.some((p) => p.SPDXID === 'SPDXRef-Package-deb-libstdc-plus-plus6-12.2.0-14'));
  });

  test('rpm epoch and source rpm are kept', () => {
    const { cdx: rockyCdx } = encodeAll(rockyDoc);
    const ssl = rockyCdx.components.find((c) => c.name === 'openssl-libs');
    assert.equal(ssl?.version, '1:3.0.7-27.el9');
    assert.equal(ssl?.purl, 'pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rocky-9.3&epoch=1');
    const props = Object.fromEntries((ssl?.properties ?? []).map((p) => [p.name, p.value]));
    assert.equal(props['tollgate:package:epoch'], '1');
    assert.equal(props['tollgate:package:source-rpm'], 'openssl-3.0.7-27.el9.src.rpm');
    assert.deepEqual(ssl?.supplier, { name: 'Rocky Enterprise Software Foundation' });
    // An image from an archive: the repository comes from its repo tag (with a registry port).
    assert.equal(rockyCdx.metadata.component.name, 'localhost:5000/rocky');
    assert.equal(
      rockyCdx.metadata.component.purl,
      `pkg:oci/rocky@sha256%3A${rockyDoc.image.manifestDigest?.slice(7)}?arch=amd64&repository_url=localhost:5000/rocky`,
    );
  });

  test('a dir: source has no purl and no hashes, and its root still gets a bom-ref', () => {
    const { cdx: dirCdx, spdx: dirSpdx } = encodeAll(dirDoc);
    assert.equal(dirCdx.metadata.component.purl, undefined);
    assert.equal(dirCdx.metadata.component.hashes, undefined);
    assert.equal(dirCdx.metadata.component.name, 'dir:./rootfs');
    assert.ok(dirCdx.metadata.component['bom-ref']);
    assert.equal(dirCdx.components.some((c) => c.type === 'operating-system'), false);
    assert.equal(dirSpdx.packages[0]?.externalRefs, undefined);
  });

  test('serial number and namespace change with createdAt and content', () => {
    const later = encodeAll({ ...debianDoc, createdAt: '2024-06-18T00:00:00Z' });
    const other = encodeAll(alpineDoc);
    const { cdx: again } = encodeAll(debianDoc);
    assert.equal(again.serialNumber, cdx.serialNumber);
    assert.notEqual(later.cdx.serialNumber, cdx.serialNumber);
    assert.notEqual(other.cdx.serialNumber, cdx.serialNumber);
    assert.notEqual(later.spdx.documentNamespace, spdx.documentNamespace);
  });
});

describe('language packages: dependencies, evidence, dev, ownership, coordinates and hashes', () => {
  const { cdx, spdx, native } = encodeAll(appDoc);
  const component = (purl: string, nth = 0): CdxComponent => cdxByPurlIndex(cdx, purl, nth);
  const props = (c: CdxComponent): Record<string, string> => Object.fromEntries((c.properties ?? []).map((p) => [p.name, p.value]));
  const element = (purl: string): SpdxDocument['packages'][number] => {
    const found = spdx.packages.find((p) => p.externalRefs?.some((r) => r.referenceLocator === purl));
    assert.ok(found, purl);
    return found;
  };

  test('fixture: the owning debs are in the document (so the generic ownership checks are not vacuous)', () => {
    for (const owner of [PY_DEB, JACKSON_DEB]) assert.ok(appPackages.some((p) => p.purl === owner), owner);
  });

  test('CycloneDX dependencies: known deps resolved to bom-refs in the document; unknown stays absent', () => {
    const deps = new Map(cdx.dependencies.map((d) => [d.ref, d.dependsOn]));
    const ref = (purl: string): string => component(purl)['bom-ref'];
    // Missing purls are dropped, duplicates collapsed, the first component of a shared purl is the target.
    assert.deepEqual(deps.get(ref('pkg:npm/express@4.18.2')), ['pkg:npm/accepts@1.3.8']);
    assert.deepEqual(deps.get(ref('pkg:pypi/requests@2.31.0')), ['pkg:pypi/urllib3@2.0.7']);
    assert.deepEqual(deps.get(ref('pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0')), [
      'pkg:maven/com.fasterxml.jackson.core/jackson-core@2.14.0',
    ]);
    assert.deepEqual(deps.get(ref('pkg:golang/github.com/example/app@v1.4.0')), ['pkg:golang/golang.org/x/net@v0.21.0', 'pkg:golang/stdlib@v1.22.1']);
    // Known to have none: an empty entry.
    assert.deepEqual(deps.get(ref('pkg:npm/accepts@1.3.8')), []);
    // dependsOn absent (the second accepts, urllib3) or only pointing outside the document (mocha): no entry.
    assert.equal(deps.has(component('pkg:npm/accepts@1.3.8', 1)['bom-ref']), false);
    assert.equal(deps.has(ref('pkg:pypi/urllib3@2.0.7')), false);
    assert.equal(deps.has(ref('pkg:npm/mocha@10.2.0')), false);
    // The root still reaches every language package directly, the OS every deb.
    const root = deps.get(cdx.metadata.component['bom-ref']) ?? [];
    for (const p of appPackages.filter((x) => x.type !== 'deb')) assert.ok(root.some((r) => component(p.purl)['bom-ref'] === r || r.startsWith(`${p.purl}#`)), p.purl);
  });

  test('CycloneDX: declared, dev and owned-by as properties; dev deps are scope optional', () => {
    const mocha = component('pkg:npm/mocha@10.2.0');
    assert.equal(mocha.scope, 'optional');
    assert.equal(props(mocha)['tollgate:package:evidence'], 'declared');
    assert.equal(props(mocha)['tollgate:package:dev'], 'true');
    const requests = component('pkg:pypi/requests@2.31.0');
    assert.equal(requests.scope, undefined);
    assert.equal(props(requests)['tollgate:package:evidence'], 'declared');
    assert.equal(props(requests)['tollgate:package:dev'], undefined);
    assert.equal(props(component('pkg:npm/express@4.18.2'))['tollgate:package:evidence'], 'installed');
    const foo = component('pkg:pypi/foo@1.2');
    assert.equal(props(foo)['tollgate:package:owned-by'], PY_DEB);
    assert.equal(props(foo)['tollgate:package:evidence'], undefined, 'absent evidence (= installed) is not invented');
    assert.equal(foo.description, 'The foo library');
    assert.equal(props(component('pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0'))['tollgate:package:owned-by'], JACKSON_DEB);
  });

  test('CycloneDX: Maven group/name, artifact hashes in hex, Go application and toolchain, ecosystem extras', () => {
    const databind = component('pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0');
    assert.equal(databind.group, 'com.fasterxml.jackson.core');
    assert.equal(databind.name, 'jackson-databind');
    assert.deepEqual(databind.hashes, [{ alg: 'SHA-1', content: EMPTY.sha1.toString('hex') }]);
    assert.equal(props(databind)['tollgate:package:java-gav-source'], 'pom.properties');
    assert.deepEqual(component('pkg:maven/com.fasterxml.jackson.core/jackson-core@2.14.0').evidence?.occurrences, [
      { location: 'app/app.jar!/BOOT-INF/lib/jackson-core-2.14.0.jar' },
    ]);
    // npm SRI base64 -> hex; an unparseable integrity is left out rather than written invalid.
    assert.deepEqual(component('pkg:npm/express@4.18.2').hashes, [{ alg: 'SHA-512', content: EMPTY.sha512.toString('hex') }]);
    assert.equal(component('pkg:npm/mocha@10.2.0').hashes, undefined);
    assert.deepEqual(component('pkg:cargo/serde@1.0.197').hashes, [{ alg: 'SHA-256', content: EMPTY.sha256.toString('hex') }]);
    assert.deepEqual(component('pkg:nuget/Newtonsoft.Json@13.0.3').hashes, [{ alg: 'SHA-512', content: EMPTY.sha512.toString('hex') }]);

    const app = component('pkg:golang/github.com/example/app@v1.4.0');
    assert.equal(app.type, 'application');
    assert.equal(props(app)['tollgate:package:go-toolchain'], 'go1.22.1');
    const net = component('pkg:golang/golang.org/x/net@v0.21.0');
    assert.equal(net.type, 'library');
    assert.equal(props(net)['tollgate:package:go-main-module'], 'github.com/example/app');
    assert.equal(props(net)['tollgate:package:go-replaces'], 'golang.org/x/net@v0.17.0');
    assert.equal(component('pkg:golang/stdlib@v1.22.1').type, 'library');
    assert.equal(props(component('pkg:cargo/serde@1.0.197'))['tollgate:package:registry'], 'registry+https://github.com/rust-lang/crates.io-index');
    assert.equal(props(component('pkg:gem/nokogiri@1.16.2?platform=x86_64-linux'))['tollgate:package:platform'], 'x86_64-linux');
    assert.equal(props(component('pkg:composer/monolog/monolog@3.5.0'))['tollgate:package:composer-type'], 'library');
    assert.equal(props(component('pkg:npm/express@4.18.2'))['tollgate:package:resolved'], 'https://registry.npmjs.org/express/-/express-4.18.2.tgz');
  });

  test('SPDX: DEPENDS_ON between elements of the document, CONTAINS from the owning deb', () => {
    const id = (purl: string): string => element(purl).SPDXID;
    const dependsOn = spdx.relationships
      .filter((r) => r.relationshipType === 'DEPENDS_ON')
      .map((r) => [r.spdxElementId, r.relatedSpdxElement]);
    assert.deepEqual(dependsOn, [
      [id('pkg:pypi/requests@2.31.0'), id('pkg:pypi/urllib3@2.0.7')],
      [id('pkg:npm/express@4.18.2'), id('pkg:npm/accepts@1.3.8')],
      [id('pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0'), id('pkg:maven/com.fasterxml.jackson.core/jackson-core@2.14.0')],
      [id('pkg:golang/github.com/example/app@v1.4.0'), id('pkg:golang/golang.org/x/net@v0.21.0')],
      [id('pkg:golang/github.com/example/app@v1.4.0'), id('pkg:golang/stdlib@v1.22.1')],
    ]);
    const owned = spdx.relationships.filter((r) => r.relationshipType === 'CONTAINS' && r.comment !== undefined);
    assert.deepEqual(
      owned.map((r) => [r.spdxElementId, r.relatedSpdxElement]),
      [
        [id(PY_DEB), id('pkg:pypi/foo@1.2')],
        [id(JACKSON_DEB), id('pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0')],
      ],
    );
  });

  test('SPDX: checksums, declared/dev comments, annotations with the tollgate properties', () => {
    assert.deepEqual(element('pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.14.0').checksums, [
      { algorithm: 'SHA1', checksumValue: EMPTY.sha1.toString('hex') },
    ]);
    assert.deepEqual(element('pkg:npm/express@4.18.2').checksums, [{ algorithm: 'SHA512', checksumValue: EMPTY.sha512.toString('hex') }]);
    assert.equal(element('pkg:npm/mocha@10.2.0').comment, 'Declared by a lockfile or manifest; not found installed. Development-only dependency.');
    assert.equal(element('pkg:pypi/requests@2.31.0').comment, 'Declared by a lockfile or manifest; not found installed.');
    assert.equal(element('pkg:npm/express@4.18.2').comment, undefined);
    assert.equal(element('pkg:pypi/foo@1.2').description, 'The foo library');
    const comments = (element('pkg:pypi/foo@1.2').annotations ?? []).map((a) => a.comment);
    assert.ok(comments.includes(`tollgate:package:owned-by: ${PY_DEB}`), comments.join('\n'));
  });

  test('native JSON carries every Package field, including dependsOn, evidence, dev, ownedBy and metadata', () => {
    const mocha = native.packages.find((p) => p.purl === 'pkg:npm/mocha@10.2.0');
    assert.deepEqual(mocha && { evidence: mocha.evidence, dev: mocha.dev, dependsOn: mocha.dependsOn }, { evidence: 'declared', dev: true, dependsOn: [MISSING] });
    assert.equal(native.packages.find((p) => p.purl === 'pkg:pypi/foo@1.2')?.ownedBy, PY_DEB);
    assert.deepEqual(native.packages.find((p) => p.name === 'golang.org/x/net')?.metadata, appPackages.find((p) => p.name === 'golang.org/x/net')?.metadata);
  });
});

describe('the validators are live', () => {
  test('they reject broken documents', () => {
    const { cdx, spdx } = encodeAll(debianDoc);
    const brokenCdx = structuredClone(cdx) as unknown as { components: Record<string, unknown>[]; serialNumber: string };
    brokenCdx.serialNumber = 'urn:uuid:not-a-uuid';
    assert.equal(validateCycloneDx(brokenCdx), false);
    const badLicense = structuredClone(cdx) as unknown as { components: Record<string, unknown>[] };
    const first = badLicense.components[1];
    assert.ok(first);
    first.licenses = [{ license: { id: 'GPL-2+' } }];
    assert.equal(validateCycloneDx(badLicense), false, 'a non-SPDX id must not pass as a license id');
    const brokenSpdx = structuredClone(spdx) as unknown as { packages: Record<string, unknown>[] };
    const pkg = brokenSpdx.packages[0];
    assert.ok(pkg);
    pkg.primaryPackagePurpose = 'OPERATING-SYSTEM';
    assert.equal(validateSpdx(brokenSpdx), false);
  });
});

describe('encodeSbom and summarizeSbom', () => {
  test('an unknown format is a usage error', () => {
    assert.throws(
      () => encodeSbom(debianDoc, 'syft-json' as SbomFormat),
      (e: unknown) => e instanceof UsageError && e.code === 'INVALID_ARGUMENT' && /syft-json/.test(e.message),
    );
  });

  test('an invalid createdAt is a usage error, not an invalid document', () => {
    for (const format of ['cyclonedx', 'spdx', 'json'] as const) {
      assert.throws(
        () => encodeSbom({ ...debianDoc, createdAt: 'yesterday' }, format),
        (e: unknown) => e instanceof UsageError && e.code === 'INVALID_ARGUMENT',
      );
    }
  });

  test('a package without purl or version still gives schema-valid documents', () => {
    const bare: Package = { purl: '', type: 'generic', name: 'mystery', version: '', licenses: [' '], locations: [''], foundBy: 'test' };
    const doc: SbomDocument = { ...dirDoc, packages: [bare, bare] };
    const { cdx, spdx } = encodeAll(doc);
    assert.ok(validateCycloneDx(cdx), errorsText(validateCycloneDx));
    assert.ok(validateSpdx(spdx), errorsText(validateSpdx));
    const refs = cdx.components.map((c) => c['bom-ref']);
    assert.equal(new Set(refs).size, 2);
    assert.ok(refs.every((r) => r.length > 0));
    assert.deepEqual(cdx.components.map((c) => [c.purl, c.version, c.licenses, c.evidence]), [
      [undefined, undefined, undefined, undefined],
      [undefined, undefined, undefined, undefined],
    ]);
    assert.deepEqual(spdx.packages.slice(1).map((p) => [p.versionInfo, p.licenseDeclared, p.externalRefs]), [
      [undefined, 'NOASSERTION', undefined],
      [undefined, 'NOASSERTION', undefined],
    ]);
  });

  test('summary: image, OS and package counts per type', () => {
    assert.equal(
      summarizeSbom(alpineDoc),
      [
        'Image:    ghcr.io/example/node-alpine:20 (sha256:6457d53fb065) linux/arm64/v8',
        'OS:       alpine 3.19.1',
        'Packages: 7 (apk 6, npm 1)',
        '',
      ].join('\n'),
    );
    assert.equal(
      summarizeSbom(dirDoc),
      ['Image:    dir:./rootfs', 'OS:       unknown', 'Packages: 2 (deb 1, generic 1)', 'Warnings: 2 (the SBOM may be incomplete)', ''].join(
        '\n',
      ),
    );
  });
});
