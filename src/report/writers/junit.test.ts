/**
 * Requires xmllint (Debian package libxml2-utils): well-formedness and the JUnit schema are checked by libxml2,
 * not by code written here. The tests fail, not skip, without it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { repoRoot } from '../../../test/support/paths.js';
import type { Finding } from '../../core/index.js';
import { incompleteReport, sampleReport } from '../sample-reports.test.js';
import { junit, xmlAttr, xmlText } from './junit.js';

const XSD = path.join(repoRoot, 'test', 'fixtures', 'schemas', 'junit-10.xsd');
const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-junit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function save(xml: string): string {
  const file = path.join(dir, `report-${n++}.xml`);
  writeFileSync(file, xml);
  return file;
}

function xmllint(...args: string[]): string {
  return execFileSync('xmllint', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Well-formed (libxml2's parser) and valid against Jenkins xunit's junit-10.xsd. */
function check(xml: string): string {
  const file = save(xml);
  xmllint('--noout', file);
  xmllint('--noout', '--schema', XSD, file);
  return file;
}

function xpath(file: string, expr: string): string {
  return xmllint('--xpath', expr, file).trim();
}

describe('JUnit writer', () => {
  const file = check(junit.write(sampleReport(), { color: false }));

  test('a suite per target, a case per finding: failures for open findings, skipped for suppressed', () => {
    assert.equal(xpath(file, 'count(/testsuites/testsuite)'), '3');
    assert.equal(xpath(file, 'string(/testsuites/@tests)'), '10');
    assert.equal(xpath(file, 'string(/testsuites/@failures)'), '8');
    assert.equal(xpath(file, 'string(/testsuites/@errors)'), '0');
    assert.equal(xpath(file, 'count(//testcase)'), '10');
    assert.equal(xpath(file, 'count(//failure)'), '8');
    assert.equal(xpath(file, 'count(//skipped)'), '1');
    const debian = '/testsuites/testsuite[@name="debian 12.5 (dpkg)"]';
    assert.equal(xpath(file, `string(${debian}/@tests)`), '6');
    assert.equal(xpath(file, `string(${debian}/@failures)`), '6');
    assert.equal(xpath(file, `string(${debian}/testcase[1]/@name)`), '[CRITICAL] CVE-2023-45853');
    assert.equal(xpath(file, `string(${debian}/testcase[2]/@classname)`), 'libc6-2.36-9+deb12u1');
    const node = '/testsuites/testsuite[@name="Node.js"]';
    assert.equal(xpath(file, `string(${node}/@skipped)`), '1');
    assert.equal(
      xpath(file, `string(${node}/testcase[skipped]/skipped/@message)`),
      'suppressed by ignore file: ignored until 2099-01-01: semver is only used at build time: .trivyignore:3',
    );
  });

  test('a target without findings is one passing test case', () => {
    const py = '/testsuites/testsuite[@name="Python"]';
    assert.equal(xpath(file, `string(${py}/@tests)`), '1');
    assert.equal(xpath(file, `count(${py}/testcase)`), '1');
    assert.equal(xpath(file, `count(${py}/testcase/*)`), '0');
  });

  test('failure text carries the remediation', () => {
    const body = xpath(file, 'string(//testcase[@name="[MEDIUM] CVE-2024-0727"]/failure)');
    assert.match(body, /Installed Version: 3\.0\.11-1~deb12u2\n.*Fixed Version: 3\.0\.13-1~deb12u1/s);
    assert.equal(xpath(file, 'string(//testcase[@name="[MEDIUM] CVE-2024-0727"]/failure/@type)'), 'MEDIUM');
  });

  test('markup, quotes, newlines and characters XML cannot carry survive a round trip through libxml2', () => {
    const r = sampleReport();
    const f = r.targets[0]?.findings.find((x) => x.id === 'CVE-2023-45853') as Finding;
    f.title = 'a "quoted" <b>&amp;</b> title\nwith a second line\u0001\u001b and a lone \ud800 surrogate';
    f.package = { ...f.package, name: "zlib1g'&<>" };
    const out = check(junit.write(r, { color: false }));
    assert.equal(
      xpath(out, 'string(//testcase[@name="[CRITICAL] CVE-2023-45853"]/failure/@message)'),
      'a "quoted" <b>&amp;</b> title\nwith a second line and a lone  surrogate',
    );
    assert.equal(xpath(out, 'string(//testcase[@name="[CRITICAL] CVE-2023-45853"]/@classname)'), "zlib1g'&<>-1:1.2.13.dfsg-1");
    assert.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
    assert.equal(xmlAttr('"\t\n'), '&quot;&#9;&#10;');
  });

  test('an incomplete scan adds an erroring test case, so the build cannot look green', () => {
    const out = check(junit.write(incompleteReport(), { color: false }));
    assert.equal(xpath(out, 'string(/testsuites/@errors)'), '1');
    assert.equal(xpath(out, 'count(//error)'), '1');
    assert.match(xpath(out, 'string(//error)'), /unexpected end of gzip stream/);
  });

  test('the schema check has teeth', () => {
    const bad = save(junit.write(sampleReport(), { color: false }).replace('<testsuite name="Python"', '<testsuite'));
    assert.throws(() => xmllint('--noout', '--schema', XSD, bad));
  });
});
