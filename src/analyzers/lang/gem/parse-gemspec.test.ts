import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { parseGemspec } from './parse-gemspec.js';

const spec = (body: string, head = '# stub: demo 1.0.0 ruby lib\n\nGem::Specification.new do |s|\n'): string => `${head}${body}\nend\n`;

describe('parseGemspec: literals', () => {
  const cases: { name: string; body: string; want: { name: string; version: string; platform?: string; licenses: string[] } }[] = [
    {
      name: 'RubyGems to_ruby output with .freeze',
      body: '  s.name = "rack".freeze\n  s.version = "2.2.22"\n  s.licenses = ["MIT".freeze]',
      want: { name: 'rack', version: '2.2.22', licenses: ['MIT'] },
    },
    {
      name: 'old RubyGems %q{} strings',
      body: '  s.name = %q{rake}\n  s.version = "0.8.7"\n  s.license = %q<MIT>',
      want: { name: 'rake', version: '0.8.7', licenses: ['MIT'] },
    },
    {
      name: 'Gem::Version.new and single quotes',
      body: "  s.name = 'x'\n  s.version = Gem::Version.new('1.2.3')",
      want: { name: 'x', version: '1.2.3', licenses: [] },
    },
    {
      name: 'platform other than ruby becomes a field',
      body: '  s.name = "nokogiri".freeze\n  s.version = "1.15.4"\n  s.platform = "x86_64-linux".freeze',
      want: { name: 'nokogiri', version: '1.15.4', platform: 'x86_64-linux', licenses: [] },
    },
    {
      name: 'platform "ruby" is the default and omitted',
      body: '  s.name = "a".freeze\n  s.version = "1"\n  s.platform = "ruby"',
      want: { name: 'a', version: '1', licenses: [] },
    },
    {
      name: 'bare string to licenses= is a one-element list (RubyGems stores Array(value))',
      body: '  s.name = "async".freeze # comment\n  s.version = "1.25.0"\n  s.licenses = "MIT" # invalid',
      want: { name: 'async', version: '1.25.0', licenses: ['MIT'] },
    },
    {
      name: '%w[] license array, unicode escapes elsewhere do not matter',
      body: '  s.name = "a"\n  s.version = "1.0"\n  s.authors = ["Andr\\u00E9".freeze]\n  s.licenses = %w[Ruby BSD-2-Clause]',
      want: { name: 'a', version: '1.0', licenses: ['Ruby', 'BSD-2-Clause'] },
    },
    {
      name: 'interpolation of the spec name is resolved',
      body: '  s.name = "fmt"\n  s.version = "1.1.0"\n  s.homepage = "https://x/#{s.name}"\n  s.licenses = ["#{s.name}-license"]',
      want: { name: 'fmt', version: '1.1.0', licenses: ['fmt-license'] },
    },
    {
      name: 'any block variable name',
      body: '',
      want: { name: 'async', version: '1.25.0', licenses: ['MIT'] },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const text =
        c.name === 'any block variable name'
          ? 'Gem::Specification.new do |spec|\n    spec.name = "async".freeze\n    spec.version = "1.25.0"\n    spec.license = "MIT"\nend\n'
          : spec(c.body);
      const { gem, warnings } = parseGemspec(text);
      assert.deepEqual(gem, c.want);
      assert.deepEqual(warnings, []);
    });
  }
});

describe('parseGemspec: what cannot be read safely', () => {
  test('version from an unknown constant falls back to the RubyGems stub line', () => {
    const { gem, warnings } = parseGemspec(spec('  s.name = "demo"\n  s.version = Demo::VERSION'));
    assert.equal(gem.version, '1.0.0');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /s\.version is not a plain string literal/);
  });

  test('no stub and an interpolated version: MALFORMED_FILE, nothing executed', () => {
    const text = 'Gem::Specification.new do |s|\n  s.name = "evil"\n  s.version = "1.#{`touch /tmp/pwned`}"\nend\n';
    assert.throws(
      () => parseGemspec(text),
      (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE' && /no readable gem version/.test(e.message),
    );
  });

  test('#@ivar interpolation and method calls are unreadable', () => {
    const { gem, warnings } = parseGemspec(spec('  s.name = "demo"\n  s.version = "1.0.0"\n  s.license = "#@lic"\n  s.licenses = ["MIT"] + extra'));
    assert.deepEqual(gem.licenses, []);
    assert.equal(warnings.length, 2);
  });

  test('heredoc bodies are data, not assignments', () => {
    const body = '  s.name = "demo"\n  s.description = <<~EOS\n    s.name = "impostor"\n    s.version = "9.9.9"\n  EOS\n  s.version = "1.0.0"\n  s.license = "MIT"';
    const { gem } = parseGemspec(spec(body));
    assert.deepEqual(gem, { name: 'demo', version: '1.0.0', licenses: ['MIT'] });
  });

  test('"<<" inside a string or as the append operator opens no heredoc', () => {
    const body = '  s.name = "demo"\n  s.summary = "shift <<EOF in text"\n  s.files << "x"\n  s.version = "1.0.0"\n  s.license = "MIT"';
    assert.deepEqual(parseGemspec(spec(body)).gem, { name: 'demo', version: '1.0.0', licenses: ['MIT'] });
  });

  test('=begin/=end comments are skipped', () => {
    const body = '=begin\n  s.name = "impostor"\n=end\n  s.name = "demo"\n  s.version = "1.0.0"';
    assert.equal(parseGemspec(spec(body)).gem.name, 'demo');
  });

  test('conflicting assignments are refused', () => {
    assert.throws(() => parseGemspec(spec('  s.name = "a"\n  s.name = "b"\n  s.version = "1"')), /conflicting s\.name/);
  });

  test('not a gemspec at all', () => {
    assert.throws(() => parseGemspec('puts "hello"\n'), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
  });

  test('an invalid gem name is refused', () => {
    assert.throws(() => parseGemspec(spec('  s.name = "../../etc"\n  s.version = "1"', 'Gem::Specification.new do |s|\n')), /no readable gem name/);
  });

  test('other receivers are ignored (only the block variable counts)', () => {
    const { gem } = parseGemspec(spec('  other.name = "x"\n  s.version = "1.0.0"'));
    assert.equal(gem.name, 'demo'); // from the stub line
  });

  test('hostile sizes stay linear: 2 MB single line and 100k unclosed %q strings', () => {
    const t0 = Date.now();
    const long = spec(`  s.name = "demo"\n  s.version = "1.0.0"\n  s.description = "${'a'.repeat(2_000_000)}`);
    assert.equal(parseGemspec(long).gem.name, 'demo');
    const many = spec(`  s.name = "demo"\n  s.version = "1.0.0"\n${'  s.license = %q<MIT\n'.repeat(100_000)}`);
    const { warnings } = parseGemspec(many);
    assert.equal(warnings.length, 21);
    assert.equal(warnings[20], '99980 more warnings not shown');
    const blocks = `${'Gem::Specification.new('.repeat(100_000)}\n`;
    assert.throws(() => parseGemspec(blocks), AnalysisError);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });
});
