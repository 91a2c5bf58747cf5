import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { parsePomLicenses, parsePomXml } from './parse-pom-xml.js';

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment with <dependency> inside -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.example</groupId>
    <artifactId>parent</artifactId>
    <version>7</version>
  </parent>
  <artifactId>child</artifactId>
  <properties>
    <jackson.version>2.14.0</jackson.version>
    <nested>\${jackson.version}</nested>
  </properties>
  <licenses>
    <license><name>The Apache Software License,
      Version 2.0</name></license>
    <license><name>MIT &amp; more</name></license>
  </licenses>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.managed</groupId><artifactId>m</artifactId><version>3.1</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>\${nested}</version>
    </dependency>
    <dependency><groupId>\${project.groupId}</groupId><artifactId>sibling</artifactId><version>\${project.version}</version></dependency>
    <dependency><groupId>org.managed</groupId><artifactId>m</artifactId></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13</version><scope>test</scope></dependency>
    <dependency><groupId>x</groupId><artifactId>opt</artifactId><version><![CDATA[1.0]]></version><optional>true</optional></dependency>
    <dependency><groupId>org.from.parent</groupId><artifactId>unknown</artifactId></dependency>
    <dependency><groupId>x</groupId><artifactId>undefined-prop</artifactId><version>\${nope}</version></dependency>
  </dependencies>
  <build><plugins><plugin><groupId>p</groupId><artifactId>not-a-dep</artifactId><version>1</version></plugin></plugins></build>
</project>`;

test('parsePomXml: inheritance, properties, dependencyManagement, scopes, licenses', () => {
  assert.deepEqual(parsePomXml(POM), {
    project: { groupId: 'org.example', artifactId: 'child', version: '7' },
    parent: { groupId: 'org.example', artifactId: 'parent', version: '7' },
    licenses: ['The Apache Software License, Version 2.0', 'MIT & more'],
    dependencies: [
      { groupId: 'com.fasterxml.jackson.core', artifactId: 'jackson-databind', version: '2.14.0' },
      { groupId: 'org.example', artifactId: 'sibling', version: '7' },
      { groupId: 'org.managed', artifactId: 'm', version: '3.1' },
      { groupId: 'junit', artifactId: 'junit', version: '4.13', scope: 'test' },
      { groupId: 'x', artifactId: 'opt', version: '1.0', optional: true },
    ],
    unresolved: ['org.from.parent:unknown', 'x:undefined-prop'],
  });
});

test('parsePomXml: ISO-8859-1 declared encoding', () => {
  const pom = Buffer.concat([
    Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><project><groupId>g</groupId><artifactId>a</artifactId><version>1</version><licenses><license><name>Lic '),
    Buffer.from([0xe9]),
    Buffer.from('</name></license></licenses></project>'),
  ]);
  assert.deepEqual(parsePomXml(pom).licenses, ['Lic é']);
});

test('parsePomXml: entities are never expanded; self-referencing properties terminate', () => {
  const pom = `<?xml version="1.0"?><!DOCTYPE project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<project><groupId>g</groupId><artifactId>&b;</artifactId><version>\${v}</version><properties><v>\${v}x</v></properties></project>`;
  const r = parsePomXml(pom);
  assert.equal(r.project.artifactId, '&b;');
  assert.equal(r.project.version, undefined);
});

test('parsePomXml: malformed documents are typed errors', () => {
  for (const [input, message] of [
    ['<project><groupId>g</project>', /unexpected <\/project>/],
    ['<project>', /<project> is not closed/],
    ['<notaproject/>', /no <project> element/],
    ['<project><!-- x', /unterminated comment/],
    [`${'<a>'.repeat(200)}`, /nested deeper than 128/],
  ] as const) {
    assert.throws(() => parsePomXml(input), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE' && message.test(e.message));
  }
});

test('parsePomLicenses: only the <licenses> element is read', () => {
  assert.deepEqual(parsePomLicenses(POM), ['The Apache Software License, Version 2.0', 'MIT & more']);
  assert.deepEqual(parsePomLicenses('<project><build>unclosed garbage <x></build><licenses><license><name>BSD</name></license></licenses>'), ['BSD']);
  assert.deepEqual(parsePomLicenses('<project/>'), []);
});
