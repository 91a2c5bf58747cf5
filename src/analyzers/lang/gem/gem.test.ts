import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FileEntry } from '../../../core/index.js';
import type { Located } from '../../analyzer.js';
import { analyzer, gemPurl, type GemFact } from './index.js';

const file = (path: string, content: string): FileEntry => ({ path, size: content.length, mode: 0o100644, content: Buffer.from(content) });

describe('gem analyzer', () => {
  test('required: specifications of any gem home, lockfiles outside installed gems', () => {
    const yes = [
      'usr/local/bundle/specifications/rack-2.2.8.gemspec',
      'var/lib/gems/3.1.0/specifications/rack-2.2.8.gemspec',
      'usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec',
      'usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec',
      'specifications/x-1.gemspec',
      'app/Gemfile.lock',
      'Gemfile.lock',
      'srv/app/gems.locked',
      'app/gems/Gemfile.lock',
    ];
    const no = [
      'app/myapp.gemspec',
      'usr/local/bundle/gems/rack-2.2.8/rack.gemspec',
      'usr/local/bundle/gems/rack-2.2.8/Gemfile.lock',
      'usr/local/bundle/bundler/gems/turbolinks-80216ce9d899/Gemfile.lock',
      'app/Gemfile',
      'app/NotGemfile.lock',
      'usr/bin/ruby',
    ];
    for (const p of yes) assert.ok(analyzer.required(p), p);
    for (const p of no) assert.ok(!analyzer.required(p), p);
  });

  test('purl: platform qualifier only for non-ruby platforms', () => {
    assert.equal(gemPurl('rack', '2.2.8'), 'pkg:gem/rack@2.2.8');
    assert.equal(gemPurl('nokogiri', '1.15.4', 'x86_64-linux'), 'pkg:gem/nokogiri@1.15.4?platform=x86_64-linux');
  });

  test('lockfile facts: declared, dependsOn resolved to every platform variant, layer of first appearance', async () => {
    const lock = 'GEM\n  specs:\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    nokogiri (1.15.4-java)\n      racc (~> 1.4)\n    racc (1.7.1)\n    app (1.0)\n      nokogiri\n      missing\n';
    const fact = (await analyzer.analyze(file('app/Gemfile.lock', lock)))!;
    const roundTrip = JSON.parse(JSON.stringify(fact)) as GemFact;
    const located: Located<GemFact>[] = [{ path: 'app/Gemfile.lock', layer: 1, fact: roundTrip }];
    const out = analyzer.merge({ final: located, history: [{ path: 'app/Gemfile.lock', layer: 0, fact: roundTrip }, ...located] });
    const byPurl = new Map(out.packages!.map((p) => [p.purl, p]));
    const app = byPurl.get('pkg:gem/app@1.0')!;
    assert.deepEqual(app.dependsOn, ['pkg:gem/nokogiri@1.15.4?platform=x86_64-linux', 'pkg:gem/nokogiri@1.15.4?platform=java']);
    assert.deepEqual(byPurl.get('pkg:gem/nokogiri@1.15.4?platform=java')!.dependsOn, ['pkg:gem/racc@1.7.1']);
    assert.deepEqual(byPurl.get('pkg:gem/nokogiri@1.15.4?platform=java')!.metadata, { kind: 'gem', platform: 'java' });
    for (const p of out.packages!) {
      assert.equal(p.evidence, 'declared');
      assert.deepEqual(p.locations, ['app/Gemfile.lock']);
      assert.equal(p.layer, 0);
    }
  });

  test('specification facts: installed, licenses kept', async () => {
    const spec = '# stub: rack 2.2.22 ruby lib\nGem::Specification.new do |s|\n  s.name = "rack".freeze\n  s.version = "2.2.22"\n  s.licenses = ["MIT".freeze]\nend\n';
    const path = 'usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec';
    const fact = (await analyzer.analyze(file(path, spec)))!;
    const out = analyzer.merge({ final: [{ path, layer: 2, fact }], history: [{ path, layer: 2, fact }] });
    assert.deepEqual(out.packages, [
      {
        purl: 'pkg:gem/rack@2.2.22',
        type: 'gem',
        name: 'rack',
        version: '2.2.22',
        licenses: ['MIT'],
        locations: [path],
        layer: 2,
        metadata: { kind: 'gem' },
        evidence: 'installed',
      },
    ]);
  });
});
