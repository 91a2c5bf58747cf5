import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addOwnedPath, isLanguageEvidencePath, normalizeOwnedPath } from './owned-paths.js';

describe('isLanguageEvidencePath', () => {
  // Real paths from Debian 12, Fedora and Alpine packages (dpkg -L / rpm -ql / apk info -L), and what the language
  // analyzers report as locations.
  const kept = [
    'usr/lib/python3/dist-packages/blinker-1.5.dist-info/METADATA',
    'usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info/PKG-INFO',
    'usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info',
    'usr/lib64/python3.9/site-packages/rpm-4.16.1.3-py3.9.egg-info',
    'usr/lib/python3.11/site-packages/pip-23.1.2.dist-info/METADATA',
    'usr/share/java/log4j-core.jar',
    'usr/share/java/log4j-core-2.19.0.jar',
    'usr/share/maven-repo/org/apache/logging/log4j/log4j-api/2.19.0/log4j-api-2.19.0.jar',
    'opt/app/app.war',
    'opt/app/app.ear',
    'opt/app/app.par',
    'usr/lib/node_modules/npm/package.json',
    'usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json',
    'node_modules/left-pad/package.json',
    'usr/share/nodejs/acorn/package.json',
    'usr/lib/nodejs/undici/package.json',
    'usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec',
    'usr/lib/ruby/gems/3.1.0/specifications/default/bundler-2.3.7.gemspec',
    'usr/share/php/vendor/composer/installed.json',
    'vendor/composer/installed.json',
    'usr/lib/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json',
    'usr/bin/docker-registry',
    'bin/busybox',
    'sbin/apk',
    'usr/sbin/nginx',
    'usr/libexec/docker/cli-plugins/docker-compose',
    'usr/lib/go-1.19/bin/go',
    'usr/lib/go-1.19/pkg/tool/linux_amd64/compile',
    'usr/local/cargo/bin/cargo',
  ];
  const dropped = [
    '',
    'usr/bin/',
    'usr/lib/python3/dist-packages/',
    'usr/lib/python3/dist-packages/blinker/__init__.py',
    'usr/lib/python3/dist-packages/blinker-1.5.dist-info/RECORD',
    // METADATA outside a site-packages / dist-packages directory is not an installed distribution.
    'usr/share/doc/foo.dist-info/METADATA',
    'usr/share/doc/libfoo-java/README.jar.txt',
    'usr/share/java',
    'usr/lib/x86_64-linux-gnu/libc.so.6',
    'usr/include/stdio.h',
    'usr/share/man/man1/bash.1.gz',
    'usr/share/nodejs/acorn/dist/acorn.js',
    'usr/share/doc/npm/package.json',
    'usr/share/rubygems-integration/all/gems/rack-2.2.22/rack.gemspec',
    'etc/composer/installed.json',
    'usr/share/composer/installed.json',
    // A directory *named* bin/sbin/libexec only counts as a path segment.
    'usr/lib/cabin/readme',
    'usr/share/doc/libexecs/x',
    'usr/lib/go-1.19/pkg/include/asm_amd64.h',
  ];
  for (const p of kept) test(`keeps ${p}`, () => assert.equal(isLanguageEvidencePath(p), true));
  for (const p of dropped) test(`drops ${JSON.stringify(p)}`, () => assert.equal(isLanguageEvidencePath(p), false));
});

describe('normalizeOwnedPath', () => {
  const table: [string, string][] = [
    ['/usr/bin/bash', 'usr/bin/bash'],
    ['usr/bin/bash', 'usr/bin/bash'],
    ['./usr/bin/bash', 'usr/bin/bash'],
    ['//usr//bin///bash', 'usr/bin/bash'],
    ['/', ''],
    ['/.', '.'],
  ];
  for (const [input, want] of table) test(JSON.stringify(input), () => assert.equal(normalizeOwnedPath(input), want));
});

describe('addOwnedPath', () => {
  test('first owner wins; merged-/usr aliases for top-level bin, sbin, lib* paths never displace an owner', () => {
    const owned = new Map<string, string>();
    addOwnedPath(owned, 'bin/busybox', 'pkg:apk/alpine/busybox@1');
    addOwnedPath(owned, 'bin/busybox', 'pkg:apk/alpine/other@1');
    addOwnedPath(owned, 'usr/bin/real', 'pkg:deb/debian/real@1');
    addOwnedPath(owned, 'bin/real', 'pkg:deb/debian/shadow@1');
    addOwnedPath(owned, 'lib/python3/dist-packages/x.egg-info', 'pkg:deb/debian/python3-x@1');
    addOwnedPath(owned, 'opt/bin/tool', 'pkg:deb/debian/tool@1');
    assert.deepEqual(Object.fromEntries(owned), {
      'bin/busybox': 'pkg:apk/alpine/busybox@1',
      'usr/bin/busybox': 'pkg:apk/alpine/busybox@1',
      'usr/bin/real': 'pkg:deb/debian/real@1',
      'bin/real': 'pkg:deb/debian/shadow@1',
      'lib/python3/dist-packages/x.egg-info': 'pkg:deb/debian/python3-x@1',
      'usr/lib/python3/dist-packages/x.egg-info': 'pkg:deb/debian/python3-x@1',
      'opt/bin/tool': 'pkg:deb/debian/tool@1',
    });
  });
});
