import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { shared } from '../../../../test/support/paths.js';
import { makeZip } from '../../../../test/support/zip-writer.js';
import type { Advisory, AffectedPackage } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import { gem } from '../../versions/gem.js';
import type { FeedRecord } from '../feed.js';
import { bumpGemVersion } from './gem-version.js';
import { feed } from './index.js';
import { gemAffectedRanges } from './parse-rubysec.js';

const MIRROR = shared('vulndb');
const GEMS = path.join(MIRROR, 'ruby-advisory-db', 'gems');

async function readAll(mirror: string, warnings: string[] = []): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for await (const r of feed.read(mirror, { warn: (m) => warnings.push(m) }) as AsyncIterable<FeedRecord>) {
    assert.equal(r.kind, 'advisory');
    if (r.kind === 'advisory') out.push(r.advisory);
  }
  return out;
}

const all = readAll(MIRROR);
const byId = async (id: string) => {
  const a = (await all).find((x) => x.id === id);
  assert.ok(a, `${id} missing`);
  return a;
};

/** OSV range semantics (introduced "0" = from the start; fixed exclusive; last_affected inclusive), plus the
 * `unaffected` requirement sets of AffectedPackage as documented in src/core/advisory.ts, with the gem Comparator. */
function release(v: string): string {
  const segs = v.replace(/-/g, '.pre.').match(/[0-9]+|[a-z]+/gi)!;
  const i = segs.findIndex((s) => /^[a-z]/i.test(s));
  return i < 0 ? v : segs.slice(0, i).join('.');
}
function satisfies(constraint: string, v: string): boolean {
  const [op, r] = constraint.split(' ') as [string, string];
  const c = gem.compare(v, r);
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '~>':
      return c >= 0 && gem.compare(release(v), bumpGemVersion(r)) < 0;
    default:
      throw new Error(`operator ${op}`);
  }
}
function isAffected(a: AffectedPackage, v: string): boolean {
  const inRange = a.ranges.some((r) => {
    let affected = false;
    for (const e of r.events) {
      if ('introduced' in e) affected = e.introduced === '0' || gem.compare(v, e.introduced) >= 0;
      else if ('fixed' in e) affected &&= gem.compare(v, e.fixed) < 0;
      else if ('last_affected' in e) affected &&= gem.compare(v, e.last_affected) <= 0;
    }
    return affected;
  });
  return inRange && !(a.unaffected ?? []).some((set) => set.every((c) => satisfies(c, v)));
}

test('rubysec: every gem advisory file of the mirror is read; same-named files of several gems make one advisory', async () => {
  // Independent count: the files under gems/<gem>/, grouped by file name.
  const stems = new Map<string, Set<string>>();
  let files = 0;
  for (const g of readdirSync(GEMS)) {
    for (const f of readdirSync(path.join(GEMS, g))) {
      if (!f.endsWith('.yml')) continue;
      files++;
      const id = f.replace(/\.yml$/, '');
      stems.set(id, (stems.get(id) ?? new Set()).add(g));
    }
  }
  assert.equal(files, 1234, 'PROVENANCE.md: 1,234 gem advisories');
  const advisories = await all;
  assert.equal(advisories.length, stems.size);
  assert.deepEqual(new Set(advisories.map((a) => a.id)), new Set(stems.keys()));
  for (const a of advisories) {
    assert.equal(a.source, 'rubysec');
    const gems = new Set(a.affected.map((p) => p.name));
    // A gem whose advisory leaves no version affected has no entry. Hand-checked, the only two: cron_parser's
    // CVE-2019-15224 lists "< 1.0.12", "> 1.0.13", "< 0.1.4", "> 0.1.4" as unaffected (every version), and
    // ckeditor's CVE-2021-32808 has unaffected "< 5.1.2" and patched ">= 5.1.2".
    const none = new Set(['CVE-2019-15224 cron_parser', 'CVE-2021-32808 ckeditor']);
    const expected = new Set([...stems.get(a.id)!].filter((g) => !none.has(`${a.id} ${g}`)));
    assert.deepEqual(gems, expected, a.id);
    for (const p of a.affected) {
      assert.equal(p.ecosystem, 'gem');
      assert.ok(p.ranges.length > 0, `${a.id} ${p.name}`);
    }
  }
});

test('rubysec: hand-checked records', async () => {
  // gems/rack/CVE-2011-5036.yml: patched ~> 1.1.3, ~> 1.2.5, ~> 1.3.6, >= 1.4.0; cvss_v2 5.0.
  const rack = await byId('CVE-2011-5036');
  assert.deepEqual(rack.aliases, ['GHSA-v6j3-7jrw-hq2p', 'OSVDB-78121']);
  assert.equal(rack.severity, 'MEDIUM');
  assert.equal(rack.published, '2011-12-28');
  assert.equal(rack.summary, 'CVE-2011-5036 rubygem-rack: hash table collisions DoS (oCERT-2011-003)');
  const [p] = rack.affected as [AffectedPackage];
  assert.equal(p.name, 'rack');
  assert.equal(p.unaffected, undefined, 'exact ranges need no requirement sets');
  const fixed = p.ranges.flatMap((r) => r.events.flatMap((e) => ('fixed' in e ? [e.fixed] : [])));
  assert.deepEqual(fixed, ['1.1.3', '1.2.5', '1.3.6', '1.4.0']);
  for (const [v, want] of [
    ['1.1.2', true],
    ['1.1.3', false],
    ['1.1.9', false],
    ['1.2.0', true],
    ['1.2.4', true],
    ['1.2.5', false],
    ['1.3.5', true],
    ['1.3.6', false],
    ['1.4.0.beta1', true], // a pre-release of 1.4.0 is below ">= 1.4.0" and not "~> 1.3.6"
    ['1.4.0', false],
    ['2.2.3', false],
  ] as const) {
    assert.equal(isAffected(p, v), want, `rack ${v}`);
  }

  // gems/nokogiri/CVE-2022-23476.yml: unaffected "<= 1.13.7"; patched ">= 1.13.10"; cvss_v3 7.5.
  const noko = await byId('CVE-2022-23476');
  assert.equal(noko.severity, 'HIGH');
  assert.deepEqual(noko.aliases, ['GHSA-qv4q-mr5r-qprj']);
  const n = noko.affected[0]!;
  assert.deepEqual(n.unaffected, [['>= 1.13.10'], ['<= 1.13.7']], '"<= 1.13.7" cannot start an OSV range exactly');
  for (const [v, want] of [
    ['1.13.7', false],
    ['1.13.8', true],
    ['1.13.9', true],
    ['1.13.10', false],
    ['1.12.0', false],
  ] as const) {
    assert.equal(isAffected(n, v), want, `nokogiri ${v}`);
  }

  // gems/rack/CVE-2022-30122.yml: unaffected "< 1.2"; patched "~> 2.0.9, >= 2.0.9.1", "~> 2.1.4, >= 2.1.4.1", ">= 2.2.3.1".
  const r2 = (await byId('CVE-2022-30122')).affected[0]!;
  for (const [v, want] of [
    ['1.1.9', false],
    ['1.2.0', true],
    ['2.0.9', true],
    ['2.0.9.1', false],
    ['2.0.10', false],
    ['2.1.0', true],
    ['2.1.4.1', false],
    ['2.2.3', true],
    ['2.2.3.1', false],
  ] as const) {
    assert.equal(isAffected(r2, v), want, `rack ${v}`);
  }

  // gems/activesupport/CVE-2013-1856.yml: platform jruby, osvdb 91451, cvss_v2 7.8, unaffected "~> 2.3.0".
  const as = await byId('CVE-2013-1856');
  assert.deepEqual(as.aliases, ['GHSA-9c2j-593q-3g82', 'OSVDB-91451']);
  assert.equal(as.severity, 'HIGH');
  assert.match(as.affected[0]!.note ?? '', /jruby/);
  assert.equal(isAffected(as.affected[0]!, '2.3.5'), false);
  assert.equal(isAffected(as.affected[0]!, '3.1.11'), true);
  assert.equal(isAffected(as.affected[0]!, '3.2.13'), false);

  // gems/bundler/CVE-2020-36327.yml: patched "= 2.2.10", ">= 2.2.18"; unaffected "< 1.16.0".
  const b = (await byId('CVE-2020-36327')).affected[0]!;
  assert.equal(b.name, 'bundler');
  for (const [v, want] of [
    ['1.15.4', false],
    ['1.16.0', true],
    ['2.2.9', true],
    ['2.2.10', false],
    ['2.2.11', true],
    ['2.2.18', false],
  ] as const) {
    assert.equal(isAffected(b, v), want, `bundler ${v}`);
  }

  // CVE-2011-0446 is filed for both actionpack and actionview: one advisory, two gems.
  assert.deepEqual((await byId('CVE-2011-0446')).affected.map((a) => a.name).sort(), ['actionpack', 'actionview']);
});

const hasRuby = spawnSync('ruby', ['-e', 'require "rubygems"'], { stdio: 'ignore' }).status === 0;

test('rubysec: agrees with bundler-audit\'s rule evaluated by RubyGems itself on every advisory', { skip: !hasRuby && 'ruby is not installed' }, async () => {
  // For each file Ruby lists candidate versions around every bound (the bound, its bump, neighbours and
  // pre-releases) and says whether each is vulnerable: !patched.any?(===) && !unaffected.any?(===), the
  // requirements built as bundler-audit builds them (Gem::Requirement.new(*s.split(', '))).
  const script = `
    require 'yaml'; require 'json'; require 'date'
    out = {}
    ARGV.each do |f|
      d = YAML.safe_load(File.read(f), permitted_classes: [Date])
      req = ->(k) { Array(d[k]).map { |s| Gem::Requirement.new(*s.split(', ')) } }
      patched = req.('patched_versions'); unaffected = req.('unaffected_versions')
      vs = ['0', '0.0.1', '0.a', '999999']
      (Array(d['patched_versions']) + Array(d['unaffected_versions'])).each do |s|
        s.split(', ').each do |c|
          v = Gem::Requirement.parse(c)[1]
          b = v.bump
          segs = v.release.segments
          prev = segs.dup; prev[-1] -= 1 if prev[-1].is_a?(Integer) && prev[-1] > 0
          vs.push(v.to_s, v.release.to_s, b.to_s, "#{b}.a", "#{b}.0.1", "#{v}.1", "#{v}.0.1", "#{v}.a", "#{v}.pre.1", prev.join('.'), "#{prev.join('.')}.9")
        end
      end
      out[f] = vs.uniq.select { |v| Gem::Version.correct?(v) }.map { |v| gv = Gem::Version.new(v); [v, !patched.any? { |r| r === gv } && !unaffected.any? { |r| r === gv }] }
    end
    puts JSON.generate(out)`;
  const files = readdirSync(GEMS).flatMap((g) => readdirSync(path.join(GEMS, g)).map((f) => path.join(GEMS, g, f)));
  const truth = JSON.parse(execFileSync('ruby', ['-e', script, ...files], { maxBuffer: 256 * 1024 * 1024 }).toString()) as Record<string, [string, boolean][]>;
  let checked = 0;
  for (const f of files) {
    const gemName = path.basename(path.dirname(f));
    const id = path.basename(f, '.yml');
    const entry = (await all).find((a) => a.id === id)!.affected.find((p) => p.name === gemName);
    for (const [v, vulnerable] of truth[f]!) {
      assert.equal(entry ? isAffected(entry, v) : false, vulnerable, `${path.relative(MIRROR, f)}: ${v}`);
      checked++;
    }
  }
  assert.ok(checked > 20000, `${checked} (file, version) pairs`);
});

test('rubysec: requirement conversion corner cases', () => {
  assert.deepEqual(gemAffectedRanges(['>= 1.0']).ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] }]);
  assert.deepEqual(gemAffectedRanges([]).ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
  // "~> 2.0.0-alpha" normalised as Gem::Version writes it.
  assert.deepEqual(gemAffectedRanges(['>= 2.0.0-alpha']).ranges[0]!.events, [{ introduced: '0' }, { fixed: '2.0.0.pre.alpha' }]);
  // malicious releases: only 1.18.0 affected.
  assert.deepEqual(gemAffectedRanges(['< 1.18.0', '> 1.18.0']).ranges[0]!.events, [{ introduced: '1.18.0' }, { last_affected: '1.18.0' }]);
});

const tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-rubysec-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function rejects(name: string, rel: string, content: string, message: RegExp): Promise<void> {
  const mirror = path.join(tmp, name);
  mkdirSync(path.join(mirror, path.dirname(rel)), { recursive: true });
  cpSync(path.join(GEMS, 'rack'), path.join(mirror, 'ruby-advisory-db', 'gems', 'rack'), { recursive: true });
  writeFileSync(path.join(mirror, rel), content);
  await assert.rejects(readAll(mirror), (e: unknown) => {
    assert.ok(e instanceof VulnDbError, String(e));
    assert.equal(e.code, 'MALFORMED_FEED');
    assert.ok(e.message.includes(rel), e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('rubysec: malformed files fail with the file and the entry named; unknown fields are tolerated', async () => {
  const original = readFileSync(path.join(GEMS, 'rack', 'CVE-2011-5036.yml'), 'utf8');
  const rel = 'ruby-advisory-db/gems/rack/CVE-2011-5036.yml';
  await rejects('truncated', rel, original.slice(0, original.indexOf('title:') + 12), /CVE-2011-5036: not valid YAML/);
  await rejects('wrong-type', rel, original.replace('patched_versions:\n', 'patched_versions: {a: 1}\nx:\n'), /CVE-2011-5036: patched_versions: expected a list/);
  await rejects('no-gem', rel, original.replace('gem: rack\n', ''), /CVE-2011-5036: gem: missing/);
  await rejects('bad-requirement', rel, original.replace('"~> 1.1.3"', '"~> one"'), /CVE-2011-5036: .*"one"/);
  await rejects('not-a-mapping', rel, '- just\n- a list\n', /CVE-2011-5036: expected a mapping/);

  const mirror = path.join(tmp, 'unknown-field');
  cpSync(path.join(GEMS, 'rack'), path.join(mirror, 'ruby-advisory-db', 'gems', 'rack'), { recursive: true });
  writeFileSync(path.join(mirror, rel), `${original}\nsome_future_field:\n  nested: [1, 2]\n`);
  const got = await readAll(mirror);
  assert.equal(got.length, readdirSync(path.join(GEMS, 'rack')).length);
  assert.deepEqual(got.find((a) => a.id === 'CVE-2011-5036'), await byId('CVE-2011-5036'));
});

test('rubysec: the GitHub archive db update downloads is read without extraction, and wins over a tree', async () => {
  const mirror = path.join(tmp, 'archive');
  mkdirSync(path.join(mirror, 'ruby-advisory-db'), { recursive: true });
  const files = readdirSync(path.join(GEMS, 'rack')).map((f) => ({
    name: `ruby-advisory-db-master/gems/rack/${f}`,
    content: readFileSync(path.join(GEMS, 'rack', f)),
  }));
  writeFileSync(path.join(mirror, 'ruby-advisory-db', 'master.zip'), makeZip([{ name: 'ruby-advisory-db-master/README.md', content: 'x' }, ...files]));
  // A stale tree beside the archive is ignored.
  cpSync(path.join(GEMS, 'nokogiri'), path.join(mirror, 'ruby-advisory-db', 'gems', 'nokogiri'), { recursive: true });
  const got = await readAll(mirror);
  assert.equal(got.length, files.length);
  assert.deepEqual(got.find((a) => a.id === 'CVE-2011-5036'), await byId('CVE-2011-5036'));

  writeFileSync(path.join(mirror, 'ruby-advisory-db', 'master.zip'), Buffer.from('PK\u0003\u0004 not a zip'));
  await assert.rejects(readAll(mirror), (e: unknown) => e instanceof VulnDbError && /ruby-advisory-db\/master\.zip: not a readable ZIP/.test(e.message));
});
