import type { Finding, ScanReport, ScanTarget } from '../../core/index.js';
import { sortFindings } from '../order.js';
import type { ReportWriter } from '../writer.js';

/*
 * JUnit XML for CI dashboards, in the shape of Trivy's junit.tpl (aquasecurity/trivy: contrib/junit.tpl) and valid
 * against the JUnit schema Jenkins' xunit plugin ships (junit-10.xsd): one <testsuite> per target, one <testcase>
 * per finding named "[SEVERITY] ID" with classname "package-version"; an unsuppressed finding is a <failure>,
 * a suppressed one <skipped> with the reason, a target without findings one passing testcase. An incomplete
 * scan adds a "scan" suite whose testcase is an <error>: a dashboard must not show it green.
 */

/** XML 1.0 §2.2 Char: everything else (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) is dropped. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content: markup characters escaped, characters XML cannot carry dropped. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; tab/LF/CR as references because parsers normalise them to spaces. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

interface Suite {
  name: string;
  properties: Record<string, string>;
  cases: string[];
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function targetSuite(target: ScanTarget): Suite {
  const suite: Suite = {
    name: target.name,
    properties: { class: target.class, type: target.type, packages: String(target.packages) },
    cases: [],
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
  };
  for (const f of sortFindings(target.findings)) {
    suite.tests++;
    const head = `    <testcase${attrs({ classname: `${f.package.name}-${f.package.version}`, name: `[${f.severity}] ${f.id}`, time: '0' })}>`;
    if (f.suppressed !== undefined) {
      suite.skipped++;
      suite.cases.push(`${head}\n      <skipped${attrs({ message: suppressedMessage(f) })}/>\n    </testcase>`);
    } else {
      suite.failures++;
      suite.cases.push(
        `${head}\n      <failure${attrs({ message: f.title ?? f.id, type: f.severity })}>${xmlText(failureBody(f))}</failure>\n    </testcase>`,
      );
    }
  }
  if (suite.tests === 0) {
    suite.tests = 1;
    suite.cases.push(`    <testcase${attrs({ classname: target.name, name: 'no vulnerabilities', time: '0' })}/>`);
  }
  return suite;
}

function failureBody(f: Finding): string {
  return [
    `Package: ${f.package.name}`,
    `Installed Version: ${f.package.version}`,
    `Vulnerability: ${f.id}${f.aliases.length > 0 ? ` (${f.aliases.join(', ')})` : ''}`,
    `Severity: ${f.severity}`,
    `Status: ${f.status}`,
    `Fixed Version: ${f.fixedVersions.length > 0 ? f.fixedVersions.join(', ') : 'none'}`,
    ...(f.package.paths.length > 0 ? [`Path: ${f.package.paths.join(', ')}`] : []),
    ...(f.description !== undefined ? ['', f.description] : []),
  ].join('\n');
}

function suppressedMessage(f: Finding): string {
  const s = f.suppressed;
  if (s === undefined) return '';
  return [`suppressed by ${s.by === 'vex' ? 'VEX' : 'ignore file'}`, s.reason, s.statement, s.source]
    .filter((x): x is string => x !== undefined && x !== '')
    .join(': ');
}

function renderSuite(s: Suite, timestamp: string): string {
  const props = Object.entries(s.properties)
    .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
    .join('\n');
  return [
    `  <testsuite${attrs({ name: s.name, tests: s.tests, failures: s.failures, errors: s.errors, skipped: s.skipped, time: '0', timestamp })}>`,
    `    <properties>\n${props}\n    </properties>`,
    ...s.cases,
    '  </testsuite>',
  ].join('\n');
}

export const junit: ReportWriter = {
  id: 'junit',
  description: 'JUnit XML: a test suite per target, a failing test case per vulnerability',
  write(report: ScanReport): string {
    const suites = report.targets.map(targetSuite);
    if (!report.complete) {
      const detail = report.warnings.length > 0 ? report.warnings.join('\n') : 'parts of the artifact could not be read or matched';
      suites.unshift({
        name: 'scan',
        properties: { artifact: report.artifact.input },
        cases: [
          `    <testcase${attrs({ classname: 'tollgate', name: 'scan is complete', time: '0' })}>\n      <error${attrs({ message: 'incomplete scan: vulnerabilities may be missing', type: 'incomplete' })}>${xmlText(detail)}</error>\n    </testcase>`,
        ],
        tests: 1,
        failures: 0,
        errors: 1,
        skipped: 0,
      });
    }
    const total = (k: 'tests' | 'failures' | 'errors'): number => suites.reduce((n, s) => n + s[k], 0);
    // junit-10.xsd allows no `skipped` on <testsuites>; the per-suite counts carry it.
    const head = `<testsuites${attrs({ name: 'tollgate', tests: total('tests'), failures: total('failures'), errors: total('errors'), time: '0' })}>`;
    const timestamp = report.createdAt.replace(/(\.\d+)?Z$/, '');
    return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites.map((s) => renderSuite(s, timestamp)), '</testsuites>', ''].join('\n');
  },
};
