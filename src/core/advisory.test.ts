import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distroKey } from './advisory.js';

test('distroKey: the release granularity each distribution publishes security data at', () => {
  const cases: [string, string, string][] = [
    ['debian', '12.5', 'debian:12'],
    ['debian', '11', 'debian:11'],
    ['debian', 'trixie/sid', 'debian:unstable'],
    ['ubuntu', '22.04', 'ubuntu:22.04'],
    ['ubuntu', '20.04.6', 'ubuntu:20.04'],
    ['alpine', '3.19.1', 'alpine:3.19'],
    ['alpine', '3.20.0_alpha20240329', 'alpine:3.20'],
    ['alpine', 'edge', 'alpine:edge'],
    ['redhat', '9.3', 'redhat:9'],
    ['rocky', '8.9', 'rocky:8'],
    ['alma', '9.4', 'alma:9'],
    ['amazon', '2', 'amazon:2'],
    ['amazon', '2023.4.20240416', 'amazon:2023'],
    ['amazon', '2018.03', 'amazon:1'],
    ['wolfi', '20230201', 'wolfi:rolling'],
    ['opensuse-leap', '15.5', 'opensuse-leap:15.5'],
  ];
  for (const [family, version, key] of cases) assert.equal(distroKey(family, version), key, `${family} ${version}`);
});
