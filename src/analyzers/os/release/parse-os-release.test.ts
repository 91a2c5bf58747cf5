import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OS_RELEASE_MAX_CHARS, parseOsRelease } from './parse-os-release.js';
import {
  parseAlpineRelease,
  parseBusyBox,
  parseDebianVersion,
  parseLsbRelease,
  parseRedHatRelease,
  parseSystemRelease,
  parseSystemReleaseCpe,
} from './parse-release-file.js';

// Expected values follow os-release(5) ("shell-compatible variable assignments", quoting and escaping as in shell),
// checked against what `sh -c '. ./file; echo "$KEY"'` prints for the same lines.
const cases: { name: string; input: string; want: Record<string, string> }[] = [
  { name: 'unquoted', input: 'ID=debian\nVERSION_ID=12\n', want: { ID: 'debian', VERSION_ID: '12' } },
  { name: 'double quoted with spaces', input: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', want: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' } },
  { name: 'single quoted is literal', input: "NAME='a \\\"b\\\" $c'", want: { NAME: 'a \\"b\\" $c' } },
  { name: 'double-quote escapes', input: 'NAME="say \\"hi\\" \\\\ \\$HOME \\` \\n"', want: { NAME: 'say "hi" \\ $HOME ` \\n' } },
  { name: 'unquoted backslash escape', input: 'NAME=a\\ b', want: { NAME: 'a b' } },
  { name: 'comments and blank lines', input: '# comment\n\n  # indented comment\nID=alpine\n', want: { ID: 'alpine' } },
  { name: 'commented assignment is not read (tumbleweed fixture)', input: '# VERSION="20220412"\nVERSION_ID="20220412"', want: { VERSION_ID: '20220412' } },
  { name: 'CRLF line endings', input: 'ID=fedora\r\nVERSION_ID=42\r\n', want: { ID: 'fedora', VERSION_ID: '42' } },
  { name: 'trailing whitespace after closing quote (photon fixture)', input: 'BUG_REPORT_URL="https://x/issues" \n', want: { BUG_REPORT_URL: 'https://x/issues' } },
  { name: 'empty values', input: 'VERSION_CODENAME=""\nX=', want: { VERSION_CODENAME: '', X: '' } },
  { name: 'later assignment wins', input: 'ID=a\nID=b', want: { ID: 'b' } },
  { name: 'unterminated quote keeps the rest', input: 'NAME="Alpine', want: { NAME: 'Alpine' } },
  { name: 'malformed lines skipped', input: 'this is not an assignment\n=novalue\n1KEY=x\nKEY-DASH=y\nID=ok', want: { ID: 'ok' } },
  { name: 'unquoted value stops at whitespace', input: 'ID=foo # trailing comment', want: { ID: 'foo' } },
  { name: 'no final newline', input: 'ID=echo\nVERSION_ID=1', want: { ID: 'echo', VERSION_ID: '1' } },
];

describe('parseOsRelease', () => {
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(parseOsRelease(c.input), c.want));
  }

  test('__proto__ is an ordinary key, not a prototype change', () => {
    const v = parseOsRelease('__proto__=x\nID=a');
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(v, '__proto__')?.value, 'x');
    assert.equal(v.ID, 'a');
  });

  test('input beyond the size cap is ignored', () => {
    const v = parseOsRelease(`ID=a\n${'#'.repeat(OS_RELEASE_MAX_CHARS)}\nVERSION_ID=9`);
    assert.deepEqual(v, { ID: 'a' });
  });

  test('binary garbage does not throw', () => {
    const s = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 131) % 256)).toString('utf8');
    assert.equal(typeof parseOsRelease(s), 'object');
  });
});

describe('release file parsers', () => {
  test('redhat-style lines', () => {
    assert.deepEqual(parseRedHatRelease('CentOS Linux release 7.6.1810 (Core) \n'), {
      id: 'centos',
      family: 'centos',
      version: '7.6.1810',
      codename: 'Core',
      prettyName: 'CentOS Linux release 7.6.1810 (Core)',
    });
    assert.equal(parseRedHatRelease('Oracle Linux Server release 7.6')?.family, 'oracle');
    assert.equal(parseRedHatRelease('CentOS Stream release 9')?.family, 'centos-stream');
    assert.equal(parseRedHatRelease('EuroLinux release 9.2 (Tirana)')?.family, 'redhat');
    assert.equal(parseRedHatRelease('EuroLinux release 9.2 (Tirana)')?.id, undefined);
    assert.equal(parseRedHatRelease('Red Hat Enterprise Linux CoreOS release 4.14'), undefined);
    assert.equal(parseRedHatRelease(''), undefined);
    assert.equal(parseRedHatRelease('release'), undefined);
  });

  test('system-release: Amazon and RHEL clones', () => {
    assert.deepEqual(parseSystemRelease('Amazon Linux release 2 (Karoo)'), {
      id: 'amzn',
      family: 'amazon',
      version: '2',
      codename: 'Karoo',
      prettyName: 'Amazon Linux release 2 (Karoo)',
    });
    assert.equal(parseSystemRelease('Amazon Linux release 2023 (Amazon Linux)')?.codename, undefined);
    assert.equal(parseSystemRelease('Amazon Linux AMI release 2018.03')?.version, '2018.03');
    assert.equal(parseSystemRelease('Amazon Linux')?.family, undefined);
    assert.equal(parseSystemRelease('Rocky Linux release 9.3 (Blue Onyx)')?.family, 'rocky');
  });

  test('system-release-cpe', () => {
    assert.deepEqual(parseSystemReleaseCpe('cpe:/o:centos:linux:6:GA'), { id: 'centos', family: 'centos', version: '6' });
    assert.deepEqual(parseSystemReleaseCpe('cpe:/o:redhat:enterprise_linux:7.3:GA:server'), { id: 'rhel', family: 'redhat', version: '7.3' });
    assert.deepEqual(parseSystemReleaseCpe('cpe:2.3:o:amazon:amazon_linux:2'), { id: 'amzn', family: 'amazon', version: '2' });
    assert.equal(parseSystemReleaseCpe('cpe:/a:foo:bar:1'), undefined);
  });

  test('alpine-release, debian_version, lsb-release', () => {
    assert.equal(parseAlpineRelease('3.19.1\n')?.version, '3.19.1');
    assert.equal(parseAlpineRelease('edge is not a version'), undefined);
    assert.equal(parseDebianVersion('12.5\n')?.version, '12.5');
    assert.equal(parseDebianVersion('trixie/sid\n')?.version, 'trixie/sid');
    assert.equal(parseDebianVersion('\n\n'), undefined);
    assert.deepEqual(parseLsbRelease('DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n'), {
      id: 'ubuntu',
      family: 'ubuntu',
      version: '22.04',
      codename: 'jammy',
      prettyName: 'Ubuntu 22.04.4 LTS',
    });
    assert.equal(parseLsbRelease('DISTRIB_ID=Ubuntu\n'), undefined);
  });

  test('busybox banner inside a binary', () => {
    const bin = Buffer.concat([Buffer.alloc(5000, 0x90), Buffer.from('BusyBox vX BusyBox v1.36.1 (2023-11-07) multi-call'), Buffer.alloc(10, 0)]);
    assert.equal(parseBusyBox(bin)?.version, '1.36.1');
    assert.equal(parseBusyBox(Buffer.from('BusyBox v')), undefined);
    assert.equal(parseBusyBox(Buffer.alloc(0)), undefined);
  });
});
