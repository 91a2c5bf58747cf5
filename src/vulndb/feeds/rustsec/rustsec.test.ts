import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { shared } from '../../../../test/support/paths.js';
import type { Advisory, AffectedPackage } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import { semverPrecedence } from '../../versions/cargo.js';
import type { FeedRecord } from '../feed.js';
import { cargoAffectedRanges, cargoRequirementIntervals, semverSuccessor } from './cargo-requirement.js';
import { feed } from './index.js';

const MIRROR = shared('vulndb');
const CRATES = path.join(MIRROR, 'rustsec-advisory-db', 'crates');

async function readAll(mirror: string, warnings: string[] = []): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for await (const r of feed.read(mirror, { warn: (m) => warnings.push(m) }) as AsyncIterable<FeedRecord>) {
    if (r.kind === 'advisory') out.push(r.advisory);
  }
  return out;
}

const warnings: string[] = [];
const all = readAll(MIRROR, warnings);
const byId = async (id: string) => {
  const a = (await all).find((x) => x.id === id);
  assert.ok(a, `${id} missing`);
  return a;
};

/** OSV SEMVER range semantics. */
function isAffected(a: AffectedPackage, v: string): boolean {
  return a.ranges.some((r) => {
    let affected = false;
    for (const e of r.events) {
      if ('introduced' in e) affected = e.introduced === '0' || semverPrecedence.compare(v, e.introduced) >= 0;
      else if ('fixed' in e) affected &&= semverPrecedence.compare(v, e.fixed) < 0;
      else if ('last_affected' in e) affected &&= semverPrecedence.compare(v, e.last_affected) <= 0;
    }
    return affected;
  });
}

test('rustsec: every advisory file is read; informational ones are counted, not imported', async () => {
  // Independent count by string scan of the TOML front matter.
  const kinds = new Map<string, number>();
  let files = 0;
  const vulnerabilities = new Set<string>();
  for (const c of readdirSync(CRATES)) {
    for (const f of readdirSync(path.join(CRATES, c))) {
      if (!f.endsWith('.md')) continue;
      files++;
      const front = readFileSync(path.join(CRATES, c, f), 'utf8').split('\n```\n')[0]!;
      const m = /^informational\s*=\s*"([a-z]+)"/m.exec(front);
      if (m) kinds.set(m[1]!, (kinds.get(m[1]!) ?? 0) + 1);
      else vulnerabilities.add(f.replace(/\.md$/, ''));
    }
  }
  assert.equal(files, 1205, 'PROVENANCE.md: 1,205 RustSec advisories');
  const advisories = await all;
  assert.deepEqual(new Set(advisories.map((a) => a.id)), vulnerabilities);
  assert.equal(advisories.length, vulnerabilities.size);
  const warning = warnings.find((w) => w.includes('informational'));
  assert.ok(warning);
  for (const [k, n] of kinds) assert.ok(warning.includes(`${n} ${k}`), `${warning} lacks ${n} ${k}`);
  for (const a of advisories) {
    assert.equal(a.source, 'rustsec');
    for (const p of a.affected) assert.equal(p.ecosystem, 'cargo');
  }
});

test('rustsec: hand-checked records', async () => {
  // crates/openssl/RUSTSEC-2016-0001.md: patched >= 0.9.0, CVSS 3.0 vector.
  const openssl = await byId('RUSTSEC-2016-0001');
  assert.deepEqual(openssl.aliases, ['CVE-2016-10931', 'GHSA-34p9-f4q3-c4r7']);
  assert.equal(openssl.summary, 'SSL/TLS MitM vulnerability due to insecure defaults');
  assert.equal(openssl.published, '2016-11-05');
  assert.deepEqual(openssl.cvss, [{ version: '3.0', vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 8.1, source: 'rustsec' }]);
  assert.deepEqual(openssl.affected, [
    { ecosystem: 'cargo', name: 'openssl', status: 'affected', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.9.0' }] }] },
  ]);

  // crates/openssl-src/RUSTSEC-2023-0006.md: patched ">= 111.25, < 300.0", ">= 300.0.12".
  const src = (await byId('RUSTSEC-2023-0006')).affected[0]!;
  assert.deepEqual(
    src.ranges.map((r) => r.events),
    [
      [{ introduced: '0' }, { fixed: '111.25.0' }],
      [{ introduced: '300.0.0' }, { fixed: '300.0.12' }],
    ],
  );

  // crates/aws-sigv4/RUSTSEC-2023-0125.md: bare requirements are caret ("0.54.2" = ^0.54.2 = [0.54.2, 0.55.0-0)).
  const sigv4 = (await byId('RUSTSEC-2023-0125')).affected[0]!;
  for (const [v, want] of [
    ['0.2.0', true],
    ['0.2.1', false],
    ['0.3.0', true],
    ['0.3.1', false],
    ['0.4.5', true],
    ['0.54.1', true],
    ['0.54.2', false],
    ['0.54.9', false],
    ['0.55.0', true],
    ['0.55.1', false],
  ] as const) {
    assert.equal(isAffected(sigv4, v), want, `aws-sigv4 ${v}`);
  }

  // crates/libp2p-core/RUSTSEC-2022-0009.md: unaffected < 0.30.0-rc.1, patched "^ 0.30.2", ">= 0.31.1"; [affected] functions.
  const p2p = (await byId('RUSTSEC-2022-0009')).affected[0]!;
  assert.match(p2p.note ?? '', /libp2p_core::PeerRecord::from_signed_envelope/);
  for (const [v, want] of [
    ['0.29.9', false],
    ['0.30.0-rc.1', true],
    ['0.30.1', true],
    ['0.30.2', false],
    ['0.31.0', true],
    ['0.31.1', false],
  ] as const) {
    assert.equal(isAffected(p2p, v), want, `libp2p-core ${v}`);
  }

  // crates/tower-http/RUSTSEC-2021-0135.md: withdrawn, Windows only.
  const tower = await byId('RUSTSEC-2021-0135');
  assert.equal(tower.withdrawn, '2022-08-14');
  assert.match(tower.affected[0]!.note ?? '', /only on windows/);

  // crates/libpulse-binding/RUSTSEC-2020-0055.md: withdrawn, unaffected "> 0": only 0.0.0 (and its pre-releases).
  const pulse = await byId('RUSTSEC-2020-0055');
  assert.equal(pulse.withdrawn, '2020-10-22');
  assert.deepEqual(pulse.affected[0]!.ranges, [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '0.0.0' }] }]);

  // Informational advisories are not records: crates/quinn/RUSTSEC-2021-0035.md is "unsound".
  assert.equal((await all).find((a) => a.id === 'RUSTSEC-2021-0035'), undefined);
});

test('rustsec: Cargo requirements convert as the RustSec crate converts them (its own unit-test table)', () => {
  // rustsec/src/osv/unaffected_range.rs tests: [start, end) per requirement.
  const cases: [string, string, string][] = [
    ['^1.2.3', '1.2.3', '2.0.0-0'],
    ['^1.2', '1.2.0', '2.0.0-0'],
    ['^1', '1.0.0', '2.0.0-0'],
    ['^0.2.3', '0.2.3', '0.3.0-0'],
    ['^0.2', '0.2.0', '0.3.0-0'],
    ['^0.0.3', '0.0.3', '0.0.4-0'],
    ['^0.0', '0.0.0', '0.1.0-0'],
    ['^0', '0.0.0', '1.0.0-0'],
    ['~1.2.3', '1.2.3', '1.3.0-0'],
    ['~1.2', '1.2.0', '1.3.0-0'],
    ['~1', '1.0.0', '2.0.0-0'],
    ['1.2.3', '1.2.3', '2.0.0-0'],
  ];
  for (const [req, lo, hi] of cases) {
    assert.deepEqual(cargoRequirementIntervals(req), [{ lo: { version: lo, inclusive: true }, hi: { version: hi, inclusive: false } }], req);
  }
  assert.deepEqual(cargoRequirementIntervals('=1.0'), [{ lo: { version: '1.0.0', inclusive: true }, hi: { version: '1.0.0', inclusive: true } }]);
  // rustsec's increment(): 1.2.3 → 1.2.4-0, 1.2.3-9 → 1.2.3-9.0, 1.2.3-alpha.1.foo → 1.2.3-alpha.1.foo.0.
  assert.equal(semverSuccessor('1.2.3'), '1.2.4-0');
  assert.equal(semverSuccessor('1.2.3-9'), '1.2.3-9.0');
  assert.equal(semverSuccessor('1.2.3-alpha.1.foo'), '1.2.3-alpha.1.foo.0');
  // An exclusive lower bound becomes the successor, exactly: unaffected "<= 0.2.1" → introduced 0.2.2-0.
  assert.deepEqual(cargoAffectedRanges(['<= 0.2.1', '>= 0.3.0']), [{ type: 'SEMVER', events: [{ introduced: '0.2.2-0' }, { fixed: '0.3.0' }] }]);
  assert.throws(() => cargoRequirementIntervals('^1.2, < 2'), /must be alone/);
  assert.throws(() => cargoRequirementIntervals('1.*'), /unsupported/);
});

const tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-rustsec-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REL = 'rustsec-advisory-db/crates/openssl/RUSTSEC-2016-0001.md';
async function rejects(name: string, content: string, message: RegExp): Promise<void> {
  const mirror = path.join(tmp, name);
  mkdirSync(path.dirname(path.join(mirror, REL)), { recursive: true });
  cpSync(path.join(CRATES, 'openssl'), path.join(mirror, 'rustsec-advisory-db', 'crates', 'openssl'), { recursive: true });
  writeFileSync(path.join(mirror, REL), content);
  await assert.rejects(readAll(mirror), (e: unknown) => {
    assert.ok(e instanceof VulnDbError, String(e));
    assert.equal(e.code, 'MALFORMED_FEED');
    assert.ok(e.message.includes(REL), e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('rustsec: malformed files fail with the file and the advisory named; unknown fields are tolerated', async () => {
  const original = readFileSync(path.join(MIRROR, REL), 'utf8');
  await rejects('truncated', original.slice(0, original.indexOf('cvss')), /RUSTSEC-2016-0001: no ```toml front matter/);
  await rejects('bad-toml', original.replace('package = "openssl"', 'package = "openssl'), /RUSTSEC-2016-0001: invalid TOML/);
  await rejects('wrong-type', original.replace('aliases = [', 'aliases = 3\nx = ['), /RUSTSEC-2016-0001: advisory.aliases: expected an array/);
  await rejects('no-package', original.replace('package = "openssl"\n', ''), /RUSTSEC-2016-0001: advisory.package: missing/);
  await rejects('bad-requirement', original.replace('">= 0.9.0"', '">= zero"'), /RUSTSEC-2016-0001: unsupported version requirement/);

  const mirror = path.join(tmp, 'unknown-field');
  cpSync(path.join(CRATES, 'openssl'), path.join(mirror, 'rustsec-advisory-db', 'crates', 'openssl'), { recursive: true });
  writeFileSync(path.join(mirror, REL), original.replace('[versions]', 'future_field = { a = 1 }\n\n[versions]'));
  const got = await readAll(mirror);
  assert.deepEqual(got.find((a) => a.id === 'RUSTSEC-2016-0001'), await byId('RUSTSEC-2016-0001'));
});
