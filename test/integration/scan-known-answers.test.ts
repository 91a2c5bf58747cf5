/**
 * Known answers: packages built as the analyzers build them, matched against a database built from the offline
 * mirror ../shared/data/vulndb through the same path `tollgate scan` takes (reportFor). Every expectation was read
 * by hand from the upstream file named in the case (`from`): the advisory's ranges, fixed versions, statuses and
 * aliases; no expectation was taken from Tollgate's output. Both sides of each boundary are checked: the version
 * right below a fix, the first fixed version, lower bounds (introduced), last_affected, unfixed, vendor
 * not-affected, withdrawn records, distribution isolation, source-package lookups and alias grouping.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Finding, OperatingSystem, Package, SbomDocument, Severity } from '../../src/core/index.js';
import { loadScanUseCase } from '../../src/scan/index.js';
import { VulnStore, updateDb } from '../../src/vulndb/index.js';
import { shared } from '../support/paths.js';

const { reportFor } = await loadScanUseCase();

let tmp: string;
let store: VulnStore;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-kat-'));
  const db = path.join(tmp, 'vuln.db');
  await updateDb({ from: shared('vulndb'), db });
  store = VulnStore.open(db);
});

after(async () => {
  store?.close();
  await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Packages as the analyzers write them (src/analyzers: purl, name, version, metadata).

type Lang = 'npm' | 'pypi' | 'maven' | 'golang' | 'gem' | 'cargo' | 'nuget' | 'composer';

interface LangSpec {
  type: Lang;
  name: string;
  version: string;
  ownedBy?: string;
}
interface DebSpec {
  type: 'deb';
  /** Binary package name. */
  name: string;
  version: string;
  /** `Source:` when it differs from the binary name. */
  source?: string;
  os: string;
}
interface ApkSpec {
  type: 'apk';
  name: string;
  version: string;
  /** `o:` origin when it differs from the package name. */
  origin?: string;
  os: string;
}
type Spec = LangSpec | DebSpec | ApkSpec;

/** "debian 12.5", "ubuntu 22.04", "alpine 3.20.3", "wolfi 20230201" as os-release would give them. */
function osOf(s: string): OperatingSystem {
  const [family, version] = s.split(' ') as [string, string];
  return { family, version, source: 'etc/os-release' };
}

function packageOf(s: Spec): Package {
  const base = { version: s.version, licenses: [], foundBy: s.type };
  switch (s.type) {
    case 'deb': {
      const o = osOf(s.os);
      return {
        ...base,
        purl: `pkg:deb/${o.family}/${s.name}@${encodeURIComponent(s.version)}?arch=amd64&distro=${o.family}-${o.version}`,
        type: 'deb',
        name: s.name,
        locations: ['var/lib/dpkg/status'],
        metadata: { kind: 'dpkg', arch: 'amd64', sourceName: s.source ?? s.name, sourceVersion: s.version },
      };
    }
    case 'apk': {
      const o = osOf(s.os);
      return {
        ...base,
        purl: `pkg:apk/${o.family}/${s.name}@${s.version}?arch=x86_64&distro=${o.version}`,
        type: 'apk',
        name: s.name,
        locations: ['lib/apk/db/installed'],
        metadata: { kind: 'apk', arch: 'x86_64', origin: s.origin ?? s.name },
      };
    }
    case 'maven': {
      const [groupId, artifactId] = s.name.split(':') as [string, string];
      return {
        ...base,
        purl: `pkg:maven/${groupId}/${artifactId}@${s.version}`,
        type: 'maven',
        name: s.name,
        locations: [`app/lib/${artifactId}-${s.version}.jar`],
        metadata: { kind: 'java', groupId, artifactId, archive: `app/lib/${artifactId}-${s.version}.jar`, source: 'pom.properties' },
      };
    }
    case 'npm':
      return { ...base, purl: `pkg:npm/${s.name}@${s.version}`, type: 'npm', name: s.name, locations: [`app/node_modules/${s.name}/package.json`], metadata: { kind: 'npm' } };
    case 'pypi':
      return {
        ...base,
        purl: `pkg:pypi/${s.name.toLowerCase()}@${s.version}`,
        type: 'pypi',
        name: s.name.toLowerCase(),
        locations: [`usr/lib/python3/site-packages/${s.name}-${s.version}.dist-info/METADATA`],
        metadata: { kind: 'python', declaredName: s.name },
        ...(s.ownedBy ? { ownedBy: s.ownedBy } : {}),
      };
    case 'golang':
      return { ...base, purl: `pkg:golang/${s.name}@${s.version}`, type: 'golang', name: s.name, locations: ['usr/local/bin/app'], metadata: { kind: 'go', goVersion: 'go1.21.0' } };
    case 'gem':
      return { ...base, purl: `pkg:gem/${s.name}@${s.version}`, type: 'gem', name: s.name, locations: [`gems/specifications/${s.name}-${s.version}.gemspec`], metadata: { kind: 'gem' } };
    case 'cargo':
      return { ...base, purl: `pkg:cargo/${s.name}@${s.version}`, type: 'cargo', name: s.name, locations: ['app/Cargo.lock'], metadata: { kind: 'cargo' } };
    case 'nuget':
      return { ...base, purl: `pkg:nuget/${s.name}@${s.version}`, type: 'nuget', name: s.name, locations: ['app/app.deps.json'], metadata: { kind: 'nuget' } };
    case 'composer':
      return { ...base, purl: `pkg:composer/${s.name}@${s.version}`, type: 'composer', name: s.name, locations: ['app/composer.lock'], metadata: { kind: 'composer' } };
  }
}

function scanOne(s: Spec) {
  const doc: SbomDocument = {
    tool: { name: 'tollgate', version: '0.0.0' },
    createdAt: '2026-01-01T00:00:00Z',
    image: { input: 'oci-dir:known-answers', kind: 'oci-dir' },
    ...(s.type === 'deb' || s.type === 'apk' ? { os: osOf(s.os) } : {}),
    layers: [],
    packages: [packageOf(s)],
    warnings: [],
  };
  return reportFor(doc, store);
}

// ---------------------------------------------------------------------------------------------------------------
// Cases.

interface Want {
  id: string;
  /** The remediation, exactly (ascending); [] for none. */
  fixed?: string[];
  status?: Finding['status'];
  severity?: Severity;
  severitySource?: string;
  /** Ids that must be among the finding's aliases. */
  aliases?: string[];
  kev?: { dateAdded: string; dueDate?: string; knownRansomware?: boolean };
}

interface Case {
  /** What is checked, and in which upstream file the answer was read. */
  title: string;
  pkg: Spec;
  /** Findings that must be there, with these properties. */
  want?: Want[];
  /** Problems that must not be reported (neither as a finding id nor as an alias of one). */
  not?: string[];
  /** When set: the complete list of finding ids (hand-enumerated from the feed file). */
  exactly?: string[];
  /** When set: the scan must say it is incomplete, with a warning matching this. */
  incomplete?: RegExp;
}

const GHSA = 'ghsa/advisories/github-reviewed';
const LODASH = { type: 'npm', name: 'lodash' } as const;
const LOG4J = { type: 'maven', name: 'org.apache.logging.log4j:log4j-core' } as const;
const JACKSON = { type: 'maven', name: 'com.fasterxml.jackson.core:jackson-databind' } as const;
const XCRYPTO = { type: 'golang', name: 'golang.org/x/crypto' } as const;
const RUNC = { type: 'golang', name: 'github.com/opencontainers/runc' } as const;
const STDLIB = { type: 'golang', name: 'stdlib' } as const;
const A320 = 'alpine 3.20.3';
const LOG4SHELL_KEV = { dateAdded: '2021-12-10', dueDate: '2021-12-24', knownRansomware: true };
const LOG4J_45046_KEV = { dateAdded: '2023-05-01', dueDate: '2023-05-22', knownRansomware: true };

const npmCases: Case[] = [
  {
    title: `lodash 4.17.11: the four lodash GHSA records (${GHSA}/2019/07/GHSA-jf85-cpcp-j695, 2020/07/GHSA-p6mc-m468-83gw, 2021/05/GHSA-35jh-r3h4-6jhm, 2022/01/GHSA-29mw-wpgm-hmr9)`,
    pkg: { ...LODASH, version: '4.17.11' },
    exactly: ['CVE-2019-10744', 'CVE-2020-8203', 'CVE-2020-28500', 'CVE-2021-23337'],
    want: [
      { id: 'CVE-2019-10744', fixed: ['4.17.12'], status: 'fixed', severity: 'CRITICAL', severitySource: 'ghsa', aliases: ['GHSA-jf85-cpcp-j695'] },
      { id: 'CVE-2020-8203', fixed: ['4.17.20'], severity: 'HIGH' },
      { id: 'CVE-2021-23337', fixed: ['4.17.21'], severity: 'HIGH' },
      // GHSA "MODERATE" is the report's MEDIUM.
      { id: 'CVE-2020-28500', fixed: ['4.17.21'], severity: 'MEDIUM', severitySource: 'ghsa' },
    ],
  },
  { title: 'lodash 4.17.12: first fixed version of GHSA-jf85-cpcp-j695', pkg: { ...LODASH, version: '4.17.12' }, not: ['CVE-2019-10744'], want: [{ id: 'CVE-2020-8203', fixed: ['4.17.20'] }] },
  {
    title: 'lodash 4.17.20: first fixed of GHSA-p6mc-m468-83gw, just below 4.17.21 of GHSA-35jh-r3h4-6jhm / GHSA-29mw-wpgm-hmr9',
    pkg: { ...LODASH, version: '4.17.20' },
    exactly: ['CVE-2020-28500', 'CVE-2021-23337'],
  },
  { title: 'lodash 4.17.21: fixed in every lodash record', pkg: { ...LODASH, version: '4.17.21' }, exactly: [] },
  {
    title: 'lodash.trim 4.5.1: last_affected 4.5.1 is inclusive, and there is no fix (GHSA-29mw-wpgm-hmr9)',
    pkg: { type: 'npm', name: 'lodash.trim', version: '4.5.1' },
    exactly: ['CVE-2020-28500'],
    want: [{ id: 'CVE-2020-28500', fixed: [], status: 'unfixed', aliases: ['GHSA-29mw-wpgm-hmr9'] }],
  },
  { title: 'lodash.trim 4.5.2: above last_affected', pkg: { type: 'npm', name: 'lodash.trim', version: '4.5.2' }, exactly: [] },
  {
    title: `minimist 0.2.3: the <0.2.4 range of ${GHSA}/2022/03/GHSA-xvch-5gv4-984h`,
    pkg: { type: 'npm', name: 'minimist', version: '0.2.3' },
    want: [{ id: 'CVE-2021-44906', fixed: ['0.2.4'], severity: 'CRITICAL', aliases: ['GHSA-xvch-5gv4-984h'] }],
  },
  { title: 'minimist 0.2.4: first fixed of the 0.x range', pkg: { type: 'npm', name: 'minimist', version: '0.2.4' }, exactly: [] },
  { title: 'minimist 1.2.5: the >=1.0.0 <1.2.6 range', pkg: { type: 'npm', name: 'minimist', version: '1.2.5' }, want: [{ id: 'CVE-2021-44906', fixed: ['1.2.6'] }] },
  { title: 'minimist 1.2.6: first fixed of the 1.x range', pkg: { type: 'npm', name: 'minimist', version: '1.2.6' }, exactly: [] },
  {
    title: `express 4.19.1: ${GHSA}/2024/03/GHSA-rv95-896h-c2vc`,
    pkg: { type: 'npm', name: 'express', version: '4.19.1' },
    exactly: ['CVE-2024-29041'],
    want: [{ id: 'CVE-2024-29041', fixed: ['4.19.2'], severity: 'MEDIUM' }],
  },
  { title: 'express 4.19.2: first fixed', pkg: { type: 'npm', name: 'express', version: '4.19.2' }, exactly: [] },
  {
    title: 'express 5.0.0-beta.2: inside the pre-release range >=5.0.0-alpha.1 <5.0.0-beta.3',
    pkg: { type: 'npm', name: 'express', version: '5.0.0-beta.2' },
    want: [{ id: 'CVE-2024-29041', fixed: ['5.0.0-beta.3'] }],
  },
  { title: 'express 5.0.0-beta.3: first fixed pre-release', pkg: { type: 'npm', name: 'express', version: '5.0.0-beta.3' }, exactly: [] },
  {
    title: `jsonwebtoken 8.5.1: last known affected of ${GHSA}/2022/12/GHSA-8cf7-32gw-wr33`,
    pkg: { type: 'npm', name: 'jsonwebtoken', version: '8.5.1' },
    want: [{ id: 'CVE-2022-23539', fixed: ['9.0.0'], severity: 'MEDIUM' }],
  },
  { title: 'jsonwebtoken 9.0.0: first fixed', pkg: { type: 'npm', name: 'jsonwebtoken', version: '9.0.0' }, exactly: [] },
  { title: `axios 0.8.0: below introduced 0.8.1 (${GHSA}/2023/11/GHSA-wf5p-g6vw-rhxx)`, pkg: { type: 'npm', name: 'axios', version: '0.8.0' }, not: ['CVE-2023-45857'] },
  { title: 'axios 1.5.1: just below 1.6.0', pkg: { type: 'npm', name: 'axios', version: '1.5.1' }, want: [{ id: 'CVE-2023-45857', fixed: ['1.6.0'] }] },
  {
    title: `semver 7.5.1: the 7.x range of ${GHSA}/2023/06/GHSA-c2qf-rxjj-qqgw`,
    pkg: { type: 'npm', name: 'semver', version: '7.5.1' },
    want: [{ id: 'CVE-2022-25883', fixed: ['7.5.2'], severity: 'MEDIUM' }],
  },
  { title: 'semver 6.3.1: first fixed of the 6.x range', pkg: { type: 'npm', name: 'semver', version: '6.3.1' }, exactly: [] },
  {
    title: `ws 8.17.0: the 8.x range of ${GHSA}/2024/06/GHSA-3h5v-q93c-6h6q`,
    pkg: { type: 'npm', name: 'ws', version: '8.17.0' },
    want: [{ id: 'CVE-2024-37890', fixed: ['8.17.1'], severity: 'HIGH' }],
  },
  { title: 'ws 2.0.0: below the lowest introduced (2.1.0)', pkg: { type: 'npm', name: 'ws', version: '2.0.0' }, exactly: [] },
  {
    title: `qs 6.10.2: one of nine ranges of ${GHSA}/2022/11/GHSA-hrpp-h998-j3pp`,
    pkg: { type: 'npm', name: 'qs', version: '6.10.2' },
    want: [{ id: 'CVE-2022-24999', fixed: ['6.10.3'], severity: 'HIGH' }],
  },
  { title: 'qs 6.2.4: first fixed of the <6.2.4 range, below the 6.3.0 range', pkg: { type: 'npm', name: 'qs', version: '6.2.4' }, exactly: [] },
  {
    title: `node-fetch 2.6.6: in both ranges of ${GHSA}/2022/01/GHSA-r683-j2x4-v87g (>=1.0 <3.1.1 and <2.6.7): both fixes`,
    pkg: { type: 'npm', name: 'node-fetch', version: '2.6.6' },
    want: [{ id: 'CVE-2022-0235', fixed: ['2.6.7', '3.1.1'], severity: 'HIGH' }],
  },
  { title: 'node-fetch 3.1.1: first fixed of every range', pkg: { type: 'npm', name: 'node-fetch', version: '3.1.1' }, exactly: [] },
];

const mavenCases: Case[] = [
  {
    title: `log4j-core 2.14.1: Log4Shell and its follow-up (${GHSA}/2021/12/GHSA-jfh8-c2jp-5v3q, GHSA-7rjr-3q55-vv33), both in CISA KEV`,
    pkg: { ...LOG4J, version: '2.14.1' },
    exactly: ['CVE-2021-44228', 'CVE-2021-45046'],
    want: [
      { id: 'CVE-2021-44228', fixed: ['2.15.0'], severity: 'CRITICAL', severitySource: 'ghsa', aliases: ['GHSA-jfh8-c2jp-5v3q'], kev: LOG4SHELL_KEV },
      { id: 'CVE-2021-45046', fixed: ['2.16.0'], severity: 'CRITICAL', kev: LOG4J_45046_KEV },
    ],
  },
  {
    title: 'log4j-core 2.3: the <2.3.1 range of GHSA-jfh8-c2jp-5v3q and the <2.12.2 range of GHSA-7rjr-3q55-vv33',
    pkg: { ...LOG4J, version: '2.3' },
    want: [
      { id: 'CVE-2021-44228', fixed: ['2.3.1'] },
      { id: 'CVE-2021-45046', fixed: ['2.12.2'] },
    ],
  },
  { title: 'log4j-core 2.3.1: first fixed of the 2.3 branch for CVE-2021-44228', pkg: { ...LOG4J, version: '2.3.1' }, exactly: ['CVE-2021-45046'] },
  { title: 'log4j-core 2.12.1: the >=2.4 <2.12.2 range', pkg: { ...LOG4J, version: '2.12.1' }, want: [{ id: 'CVE-2021-44228', fixed: ['2.12.2'] }] },
  { title: 'log4j-core 2.12.2: first fixed of the 2.12 branch for both', pkg: { ...LOG4J, version: '2.12.2' }, exactly: [] },
  { title: 'log4j-core 2.15.0: fixed for CVE-2021-44228, not yet for CVE-2021-45046', pkg: { ...LOG4J, version: '2.15.0' }, exactly: ['CVE-2021-45046'] },
  { title: 'log4j-core 2.16.0: first fixed of CVE-2021-45046', pkg: { ...LOG4J, version: '2.16.0' }, exactly: [] },
  {
    title: `jackson-databind 2.13.2: the >=2.13.0 range of ${GHSA}/2022/03/GHSA-57j2-w4cx-62h2`,
    pkg: { ...JACKSON, version: '2.13.2' },
    want: [{ id: 'CVE-2020-36518', fixed: ['2.13.2.1'], severity: 'HIGH' }],
  },
  { title: 'jackson-databind 2.13.2.1: four-part first fixed (Maven ordering)', pkg: { ...JACKSON, version: '2.13.2.1' }, exactly: [] },
  { title: 'jackson-databind 2.12.6: the <2.12.6.1 range', pkg: { ...JACKSON, version: '2.12.6' }, want: [{ id: 'CVE-2020-36518', fixed: ['2.12.6.1'] }] },
  {
    title: `spring-beans 5.3.17: Spring4Shell (${GHSA}/2022/03/GHSA-36p3-wjmg-h94x), in KEV`,
    pkg: { type: 'maven', name: 'org.springframework:spring-beans', version: '5.3.17' },
    want: [{ id: 'CVE-2022-22965', fixed: ['5.3.18'], severity: 'CRITICAL', kev: { dateAdded: '2022-04-04', dueDate: '2022-04-25', knownRansomware: false } }],
  },
  {
    title: 'spring-webmvc 5.2.19.RELEASE: below 5.2.20.RELEASE (Maven qualifier ordering)',
    pkg: { type: 'maven', name: 'org.springframework:spring-webmvc', version: '5.2.19.RELEASE' },
    want: [{ id: 'CVE-2022-22965', fixed: ['5.2.20.RELEASE'] }],
  },
  { title: 'spring-beans 5.2.20.RELEASE: first fixed', pkg: { type: 'maven', name: 'org.springframework:spring-beans', version: '5.2.20.RELEASE' }, exactly: [] },
  { title: `commons-text 1.4: below introduced 1.5 (${GHSA}/2022/10/GHSA-599f-7c49-w659)`, pkg: { type: 'maven', name: 'org.apache.commons:commons-text', version: '1.4' }, exactly: [] },
  {
    title: 'commons-text 1.9: Text4Shell',
    pkg: { type: 'maven', name: 'org.apache.commons:commons-text', version: '1.9' },
    want: [{ id: 'CVE-2022-42889', fixed: ['1.10.0'], severity: 'CRITICAL' }],
  },
  {
    title: `snakeyaml 1.33: ${GHSA}/2022/12/GHSA-mjmj-j48q-9wg2`,
    pkg: { type: 'maven', name: 'org.yaml:snakeyaml', version: '1.33' },
    want: [{ id: 'CVE-2022-1471', fixed: ['2.0'], severity: 'HIGH', severitySource: 'ghsa' }],
  },
  { title: 'snakeyaml 2.0: first fixed', pkg: { type: 'maven', name: 'org.yaml:snakeyaml', version: '2.0' }, exactly: [] },
];

const PYPA = 'osv/pypa-advisory-database/vulns';
const pypiCases: Case[] = [
  {
    title: `requests 2.30.0: GHSA-j8r2-6x86-q33q and ${PYPA}/requests/PYSEC-2023-74 are one problem`,
    pkg: { type: 'pypi', name: 'requests', version: '2.30.0' },
    exactly: ['CVE-2023-32681'],
    want: [{ id: 'CVE-2023-32681', fixed: ['2.31.0'], severity: 'MEDIUM', severitySource: 'ghsa', aliases: ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'] }],
  },
  { title: 'requests 2.31.0: first fixed', pkg: { type: 'pypi', name: 'requests', version: '2.31.0' }, exactly: [] },
  {
    title: 'requests 2.30.0 installed by a Debian package (ownedBy): left to the distribution, not matched against PyPI',
    pkg: { type: 'pypi', name: 'requests', version: '2.30.0', ownedBy: 'pkg:deb/debian/python3-requests@2.30.0-1?arch=all&distro=debian-12' },
    exactly: [],
  },
  {
    title: `urllib3 1.26.17: first fixed of CVE-2023-43804 (${PYPA}/urllib3/PYSEC-2023-192), below 1.26.18 of PYSEC-2023-212`,
    pkg: { type: 'pypi', name: 'urllib3', version: '1.26.17' },
    exactly: ['CVE-2023-45803'],
    want: [{ id: 'CVE-2023-45803', fixed: ['1.26.18', '2.0.7'], aliases: ['PYSEC-2023-212', 'GHSA-g4mx-q9vg-27p4'] }],
  },
  {
    title: 'urllib3 2.0.6: the 2.x range of PYSEC-2023-212 only',
    pkg: { type: 'pypi', name: 'urllib3', version: '2.0.6' },
    not: ['CVE-2023-43804'],
    want: [{ id: 'CVE-2023-45803', fixed: ['2.0.7'] }],
  },
  {
    title: `jinja2 3.1.2 (declared "Jinja2"): ${GHSA}/2024/01/GHSA-h5c8-rqwp-cp95`,
    pkg: { type: 'pypi', name: 'Jinja2', version: '3.1.2' },
    want: [{ id: 'CVE-2024-22195', fixed: ['3.1.3'], severity: 'MEDIUM' }],
  },
  { title: 'jinja2 3.1.3: first fixed', pkg: { type: 'pypi', name: 'Jinja2', version: '3.1.3' }, exactly: [] },
  {
    title: `cryptography 39.0.0: GHSA-w7pp-m8wf-vj6r + PYSEC-2023-11, and ${PYPA}/cryptography/PYSEC-2023-254`,
    pkg: { type: 'pypi', name: 'cryptography', version: '39.0.0' },
    want: [
      { id: 'CVE-2023-23931', fixed: ['39.0.1'], aliases: ['GHSA-w7pp-m8wf-vj6r', 'PYSEC-2023-11'] },
      { id: 'CVE-2023-49083', fixed: ['41.0.6'] },
    ],
  },
  { title: 'cryptography 41.0.6: first fixed of the newest cryptography record', pkg: { type: 'pypi', name: 'cryptography', version: '41.0.6' }, exactly: [] },
  {
    title: `redis 4.5.4: ${PYPA}/redis/PYSEC-2023-73 (every version) is withdrawn; 4.5.4 is the fix of PYSEC-2023-46's 4.4 range`,
    pkg: { type: 'pypi', name: 'redis', version: '4.5.4' },
    exactly: [],
  },
  { title: `flask-caching 1.10.1: the only record (${PYPA}/flask-caching/PYSEC-2021-13) is withdrawn`, pkg: { type: 'pypi', name: 'flask-caching', version: '1.10.1' }, exactly: [] },
  {
    title: `paramiko 3.3.1: Terrapin (${GHSA}/2023/12/GHSA-45x7-px36-x8w8, PyPI entry)`,
    pkg: { type: 'pypi', name: 'paramiko', version: '3.3.1' },
    want: [{ id: 'CVE-2023-48795', fixed: ['3.4.0'] }],
  },
];

const GO = 'osv/golang-vulndb/data/osv';
const goCases: Case[] = [
  {
    title: `golang.org/x/crypto v0.16.0: GHSA-45x7-px36-x8w8 + ${GO}/GO-2023-2402 → one finding listing both`,
    pkg: { ...XCRYPTO, version: 'v0.16.0' },
    want: [{ id: 'CVE-2023-48795', fixed: ['0.17.0'], severity: 'MEDIUM', severitySource: 'ghsa', aliases: ['GHSA-45x7-px36-x8w8', 'GO-2023-2402'] }],
  },
  {
    title: `golang.org/x/crypto v0.17.0: first fixed of Terrapin; ${GO}/GO-2026-5932 (openpgp) has no fix`,
    pkg: { ...XCRYPTO, version: 'v0.17.0' },
    not: ['CVE-2023-48795'],
    want: [{ id: 'GO-2026-5932', fixed: [], status: 'unfixed' }],
  },
  {
    title: `runc v1.1.11: ${GO}/GO-2024-2491 + GHSA-xr7r-f8xq-vfvv (introduced 1.0.0-rc93)`,
    pkg: { ...RUNC, version: 'v1.1.11' },
    want: [{ id: 'CVE-2024-21626', fixed: ['1.1.12'], severity: 'HIGH', aliases: ['GHSA-xr7r-f8xq-vfvv', 'GO-2024-2491'] }],
  },
  { title: 'runc v1.0.0-rc92: below introduced 1.0.0-rc93', pkg: { ...RUNC, version: 'v1.0.0-rc92' }, not: ['CVE-2024-21626'] },
  { title: 'runc v1.1.12: first fixed', pkg: { ...RUNC, version: 'v1.1.12' }, not: ['CVE-2024-21626'] },
  {
    title: `stdlib v1.21.0: ${GO}/GO-2023-2041 (<1.21.1), GO-2023-2185 (<1.21.4); GO-2023-1987 was fixed in 1.21.0-rc.4`,
    pkg: { ...STDLIB, version: 'v1.21.0' },
    not: ['CVE-2023-29409'],
    want: [
      { id: 'CVE-2023-39318', fixed: ['1.21.1'], aliases: ['GO-2023-2041'] },
      { id: 'CVE-2023-45283', fixed: ['1.21.4'] },
      { id: 'CVE-2023-39325', fixed: ['1.21.3'], aliases: ['GO-2023-2102', 'GHSA-4374-p667-p6c8'] },
    ],
  },
  { title: 'stdlib v1.21.1: first fixed of GO-2023-2041', pkg: { ...STDLIB, version: 'v1.21.1' }, not: ['CVE-2023-39318'], want: [{ id: 'CVE-2023-39325', fixed: ['1.21.3'] }] },
  {
    title: 'stdlib v1.21.4: fixed for GO-2023-2186, and introduced again by the second affected entry of GO-2023-2185 (>=1.21.4 <1.21.5)',
    pkg: { ...STDLIB, version: 'v1.21.4' },
    not: ['CVE-2023-45284'],
    want: [{ id: 'CVE-2023-45283', fixed: ['1.21.5'] }],
  },
];

const otherLangCases: Case[] = [
  {
    title: `nokogiri 1.13.3: ruby-advisory-db/gems/nokogiri/CVE-2022-24836.yml + ${GHSA}/2022/04/GHSA-crjr-9rc5-ghw8 → one finding`,
    pkg: { type: 'gem', name: 'nokogiri', version: '1.13.3' },
    want: [{ id: 'CVE-2022-24836', fixed: ['1.13.4'], severity: 'HIGH', severitySource: 'rubysec', aliases: ['GHSA-crjr-9rc5-ghw8'] }],
  },
  {
    title: 'nokogiri 1.16.1: ruby-advisory-db/gems/nokogiri/GHSA-xc9x-jj77-9p9j.yml patched "~> 1.15.6", ">= 1.16.2"',
    pkg: { type: 'gem', name: 'nokogiri', version: '1.16.1' },
    want: [{ id: 'GHSA-xc9x-jj77-9p9j', fixed: ['1.16.2'] }],
  },
  { title: 'nokogiri 1.15.6: patched by "~> 1.15.6"', pkg: { type: 'gem', name: 'nokogiri', version: '1.15.6' }, not: ['GHSA-xc9x-jj77-9p9j', 'CVE-2022-24836'] },
  {
    title: 'passenger 4.0.36: ruby-advisory-db/gems/passenger/CVE-2014-1831.yml and CVE-2014-1832.yml share OSVDB-102613 but are two problems',
    pkg: { type: 'gem', name: 'passenger', version: '4.0.36' },
    want: [
      { id: 'CVE-2014-1831', fixed: ['4.0.37'], aliases: ['OSVDB-102613'] },
      { id: 'CVE-2014-1832', fixed: ['4.0.38'], aliases: ['OSVDB-102613'] },
    ],
  },
  {
    title: `russh 0.40.1: Terrapin, crates.io entry of ${GHSA}/2023/12/GHSA-45x7-px36-x8w8`,
    pkg: { type: 'cargo', name: 'russh', version: '0.40.1' },
    want: [{ id: 'CVE-2023-48795', fixed: ['0.40.2'] }],
  },
  {
    title: 'openssl crate 0.10.38: rustsec-advisory-db/crates/openssl/RUSTSEC-2025-0022.md unaffected "< 0.10.39"',
    pkg: { type: 'cargo', name: 'openssl', version: '0.10.38' },
    not: ['GHSA-4fcv-w3qc-ppgg', 'RUSTSEC-2025-0022'],
  },
  {
    title: 'openssl crate 0.10.71: RUSTSEC-2025-0022 patched ">= 0.10.72" (no CVE: reported under its GHSA alias)',
    pkg: { type: 'cargo', name: 'openssl', version: '0.10.71' },
    exactly: ['GHSA-4fcv-w3qc-ppgg'],
    want: [{ id: 'GHSA-4fcv-w3qc-ppgg', fixed: ['0.10.72'], aliases: ['RUSTSEC-2025-0022'] }],
  },
  {
    title: `Newtonsoft.Json 12.0.3: ${GHSA}/2022/06/GHSA-5crp-9r3c-p9vr (no CVE alias in this copy)`,
    pkg: { type: 'nuget', name: 'Newtonsoft.Json', version: '12.0.3' },
    exactly: ['GHSA-5crp-9r3c-p9vr'],
    want: [{ id: 'GHSA-5crp-9r3c-p9vr', fixed: ['13.0.1'], severity: 'LOW', severitySource: 'ghsa' }],
  },
  { title: 'Newtonsoft.Json 13.0.1: first fixed', pkg: { type: 'nuget', name: 'Newtonsoft.Json', version: '13.0.1' }, exactly: [] },
  {
    title: 'guzzlehttp/guzzle 6.5.7: friendsofphp-security-advisories/guzzlehttp/guzzle/CVE-2022-31090.yaml branch 6.x (>=4, <6.5.8)',
    pkg: { type: 'composer', name: 'guzzlehttp/guzzle', version: '6.5.7' },
    want: [
      { id: 'CVE-2022-31090', fixed: ['6.5.8'] },
      { id: 'CVE-2022-31091', fixed: ['6.5.8'] },
    ],
  },
  { title: 'guzzlehttp/guzzle 7.4.5: first fixed of the master branch', pkg: { type: 'composer', name: 'guzzlehttp/guzzle', version: '7.4.5' }, not: ['CVE-2022-31090', 'CVE-2022-31091'] },
];

const VL = 'alpine/vuln-list';
const alpineCases: Case[] = [
  {
    title: `libcrypto3 3.3.2-r1 (origin openssl) on 3.20: every secfix above 3.3.2-r1 in ${VL}/3.20/main/openssl.json`,
    pkg: { type: 'apk', name: 'libcrypto3', version: '3.3.2-r1', origin: 'openssl', os: A320 },
    exactly: [
      'CVE-2024-13176',
      'CVE-2024-12797',
      'CVE-2025-9230',
      'CVE-2025-9231',
      'CVE-2025-9232',
      'CVE-2025-15467',
      'CVE-2025-15468',
      'CVE-2025-66199',
      'CVE-2025-68160',
      'CVE-2025-69418',
      'CVE-2025-69419',
      'CVE-2025-69420',
      'CVE-2025-69421',
      'CVE-2026-22795',
      'CVE-2026-22796',
      'CVE-2026-28387',
      'CVE-2026-28388',
      'CVE-2026-28389',
      'CVE-2026-28390',
      'CVE-2026-31789',
      'CVE-2026-31790',
    ],
    want: [
      { id: 'CVE-2024-13176', fixed: ['3.3.2-r2'], status: 'fixed' },
      { id: 'CVE-2026-31790', fixed: ['3.3.7-r0'] },
    ],
  },
  { title: 'openssl 3.3.2-r0 on 3.20: just below 3.3.2-r1 (CVE-2024-9143)', pkg: { type: 'apk', name: 'openssl', version: '3.3.2-r0', os: A320 }, want: [{ id: 'CVE-2024-9143', fixed: ['3.3.2-r1'] }] },
  {
    title: `openssl 3.0.7-r0 on 3.18: ${VL}/3.18/main/openssl.json 3.0.7-r2 (CVE-2022-3996); "0" entries are not-affected`,
    pkg: { type: 'apk', name: 'openssl', version: '3.0.7-r0', os: 'alpine 3.18.4' },
    not: ['CVE-2022-3786', 'CVE-2022-3602', 'CVE-2023-0466', 'CVE-2022-1292'],
    want: [
      { id: 'CVE-2022-3996', fixed: ['3.0.7-r2'] },
      { id: 'CVE-2023-6237', fixed: ['3.1.4-r4'] },
    ],
  },
  {
    title: `openssl 3.0.7-r0 on 3.16: the same package and version against ${VL}/3.16/main/openssl.json (1.1.1 fixes only): nothing from 3.18`,
    pkg: { type: 'apk', name: 'openssl', version: '3.0.7-r0', os: 'alpine 3.16.9' },
    exactly: [],
  },
  {
    title: `busybox 1.36.1-r28 on 3.20: ${VL}/3.20/main/busybox.json r29 and r31 fixes`,
    pkg: { type: 'apk', name: 'busybox', version: '1.36.1-r28', os: A320 },
    exactly: ['CVE-2023-42364', 'CVE-2023-42365', 'CVE-2024-58251', 'CVE-2025-46394'],
    want: [{ id: 'CVE-2025-46394', fixed: ['1.36.1-r31'] }],
  },
  { title: 'ssl_client 1.36.1-r31 (origin busybox): the last busybox fix', pkg: { type: 'apk', name: 'ssl_client', version: '1.36.1-r31', origin: 'busybox', os: A320 }, exactly: [] },
  {
    title: 'busybox 1.33.1-r0 on 3.20: CVE-2021-42373/42376/42377 listed under "0" (not affected); ALPINE-13661 has no CVE',
    pkg: { type: 'apk', name: 'busybox', version: '1.33.1-r0', os: A320 },
    not: ['CVE-2021-42373', 'CVE-2021-42376', 'CVE-2021-42377', 'CVE-2021-28831'],
    want: [
      { id: 'CVE-2021-42374', fixed: ['1.34.0-r0'] },
      { id: 'ALPINE-13661', fixed: ['1.35.0-r7'] },
    ],
  },
  {
    title: `musl 1.2.5-r0 on 3.20: ${VL}/3.20/main/musl.json r1, r2, r3`,
    pkg: { type: 'apk', name: 'musl', version: '1.2.5-r0', os: A320 },
    exactly: ['CVE-2025-26519', 'CVE-2026-6042', 'CVE-2026-40200'],
    want: [{ id: 'CVE-2026-6042', fixed: ['1.2.5-r2'] }],
  },
  { title: 'musl 1.2.5-r3: the last musl fix', pkg: { type: 'apk', name: 'musl', version: '1.2.5-r3', os: A320 }, exactly: [] },
  {
    title: `expat 2.6.2-r0 on 3.20: first fixed of CVE-2024-28757, below 2.6.3-r0 (${VL}/3.20/main/expat.json); no vendor rating, CVSS 9.8 from CISA-ADP`,
    pkg: { type: 'apk', name: 'expat', version: '2.6.2-r0', os: A320 },
    not: ['CVE-2024-28757'],
    want: [{ id: 'CVE-2024-45490', fixed: ['2.6.3-r0'], severity: 'CRITICAL', severitySource: 'cisa-adp' }],
  },
  {
    title: 'xen 4.7.1-r0 on 3.11: alpine-secdb-yaml/v3.11/main.yaml "CVE-2016-9377 XSA-196", "CVE-2016-9378 XSA-196": two findings',
    pkg: { type: 'apk', name: 'xen', version: '4.7.1-r0', os: 'alpine 3.11.6' },
    want: [
      { id: 'CVE-2016-9377', fixed: ['4.7.1-r1'], aliases: ['XSA-196'] },
      { id: 'CVE-2016-9378', fixed: ['4.7.1-r1'], aliases: ['XSA-196'] },
      { id: 'CVE-2018-12126', fixed: ['4.12.0-r2'], aliases: ['XSA-297'] },
      { id: 'CVE-2019-11091', fixed: ['4.12.0-r2'], aliases: ['XSA-297'] },
    ],
  },
  {
    title: 'musl 1.1.22-r3 on 3.10: alpine-secdb-yaml/v3.10/main.yaml fixed CVE-2019-14697 in 1.1.22-r3',
    pkg: { type: 'apk', name: 'musl', version: '1.1.22-r3', os: 'alpine 3.10.9' },
    exactly: [],
  },
  {
    title: "musl 1.1.22-r3 on 3.11: v3.11/main.yaml fixes it in 1.1.23-r2; 3.10's fix does not count on 3.11",
    pkg: { type: 'apk', name: 'musl', version: '1.1.22-r3', os: 'alpine 3.11.13' },
    exactly: ['CVE-2019-14697'],
    want: [{ id: 'CVE-2019-14697', fixed: ['1.1.23-r2'] }],
  },
  {
    title: 'libcrypto1.1 1.1.1d-r0 (origin openssl) on 3.10: v3.10 fixed CVE-2019-1547/1549/1563 in 1.1.1d-r0',
    pkg: { type: 'apk', name: 'libcrypto1.1', version: '1.1.1d-r0', origin: 'openssl', os: 'alpine 3.10.9' },
    exactly: [],
  },
  {
    title: 'libcrypto1.1 1.1.1d-r0 on 3.11: v3.11 fixes them in 1.1.1d-r1 and CVE-2019-1551 in 1.1.1d-r3',
    pkg: { type: 'apk', name: 'libcrypto1.1', version: '1.1.1d-r0', origin: 'openssl', os: 'alpine 3.11.13' },
    exactly: ['CVE-2019-1547', 'CVE-2019-1549', 'CVE-2019-1551', 'CVE-2019-1563'],
    want: [
      { id: 'CVE-2019-1547', fixed: ['1.1.1d-r1'] },
      { id: 'CVE-2019-1551', fixed: ['1.1.1d-r3'] },
    ],
  },
  {
    title: 'curl on Alpine 3.21: the mirror has no 3.21 data, so the scan is incomplete rather than clean',
    pkg: { type: 'apk', name: 'curl', version: '8.9.0-r0', os: 'alpine 3.21.0' },
    exactly: [],
    incomplete: /alpine:3\.21/,
  },
];

const DEB_JSON = 'debian/samples/security-tracker-json/debian.json';
const debianCases: Case[] = [
  {
    title: `libsope1 5.8.0-1 (source sope) on Debian 12: ${DEB_JSON} bookworm fixed 5.8.0-1+deb12u1 and DSA-5970-1 → one finding`,
    pkg: { type: 'deb', name: 'libsope1', source: 'sope', version: '5.8.0-1', os: 'debian 12.5' },
    exactly: ['CVE-2025-53603'],
    want: [{ id: 'CVE-2025-53603', fixed: ['5.8.0-1+deb12u1'], status: 'fixed', aliases: ['DSA-5970-1'] }],
  },
  { title: 'libsope1 5.8.0-1+deb12u1 on Debian 12: the bookworm fix', pkg: { type: 'deb', name: 'libsope1', source: 'sope', version: '5.8.0-1+deb12u1', os: 'debian 12.5' }, exactly: [] },
  {
    title: 'libsope1 5.0.1-2 on Debian 11: the bullseye statement (fixed 5.0.1-2+deb11u1)',
    pkg: { type: 'deb', name: 'libsope1', source: 'sope', version: '5.0.1-2', os: 'debian 11.9' },
    want: [{ id: 'CVE-2025-53603', fixed: ['5.0.1-2+deb11u1'] }],
  },
  {
    title: "libsope1 5.0.1-2+deb11u1 on Debian 12: bullseye's fix does not apply to a bookworm image",
    pkg: { type: 'deb', name: 'libsope1', source: 'sope', version: '5.0.1-2+deb11u1', os: 'debian 12.5' },
    want: [{ id: 'CVE-2025-53603', fixed: ['5.8.0-1+deb12u1'] }],
  },
  { title: 'libsope1 5.0.1-2+deb11u1 on Debian 11: the bullseye fix', pkg: { type: 'deb', name: 'libsope1', source: 'sope', version: '5.0.1-2+deb11u1', os: 'debian 11.9' }, exactly: [] },
  {
    title: `chromium 90.0.4430.212-1 on Debian 11: ${DEB_JSON} bullseye fixed 98.0.4758.80-1~deb11u1`,
    pkg: { type: 'deb', name: 'chromium', version: '90.0.4430.212-1', os: 'debian 11.9' },
    want: [{ id: 'CVE-2022-0456', fixed: ['98.0.4758.80-1~deb11u1'] }],
  },
  { title: 'chromium 98.0.4758.80-1~deb11u1 on Debian 11: the backported fix (~ sorts before)', pkg: { type: 'deb', name: 'chromium', version: '98.0.4758.80-1~deb11u1', os: 'debian 11.9' }, exactly: [] },
  {
    title: 'chromium on Debian 10: buster "open" with urgency end-of-life',
    pkg: { type: 'deb', name: 'chromium', version: '90.0.4430.212-1~deb10u1', os: 'debian 10.13' },
    want: [{ id: 'CVE-2022-0456', fixed: [], status: 'end-of-life' }],
  },
  {
    title: 'libprototype-javascript 1.7.1-3 (source prototypejs) on Debian 10: CVE-2007-2383 fixed_version "0" (not affected), CVE-2008-7220 fixed 1.6.0.2-1',
    pkg: { type: 'deb', name: 'libprototype-javascript', source: 'prototypejs', version: '1.7.1-3', os: 'debian 10.13' },
    exactly: [],
  },
  {
    title: 'libprototype-javascript 1.6.0.1-1 on Debian 10: below 1.6.0.2-1, urgency "high**"; CVE-2007-2383 stays not-affected',
    pkg: { type: 'deb', name: 'libprototype-javascript', source: 'prototypejs', version: '1.6.0.1-1', os: 'debian 10.13' },
    exactly: ['CVE-2008-7220'],
    want: [{ id: 'CVE-2008-7220', fixed: ['1.6.0.2-1'], severity: 'HIGH', severitySource: 'debian' }],
  },
  {
    title: 'putty-tools 0.74-1 (source putty) on Debian 11: data/CVE/list "[bullseye] - putty <no-dsa> (Minor issue)": vulnerable, no fix',
    pkg: { type: 'deb', name: 'putty-tools', source: 'putty', version: '0.74-1', os: 'debian 11.9' },
    want: [{ id: 'CVE-2021-36367', fixed: [], severity: 'LOW', severitySource: 'debian' }],
  },
  {
    title: 'ant 1.10.14-1 on sid: data/CVE/list "- ant <unfixed> (unimportant)"',
    pkg: { type: 'deb', name: 'ant', version: '1.10.14-1', os: 'debian trixie/sid' },
    want: [{ id: 'CVE-2021-36373', fixed: [], status: 'unfixed', severity: 'NEGLIGIBLE' }],
  },
  {
    title: 'redis-server 5:5.0.3-4 (source redis) on Debian 10: data/DSA/list DSA-4480-1 "[buster] - redis 5:5.0.3-4+deb10u1"',
    pkg: { type: 'deb', name: 'redis-server', source: 'redis', version: '5:5.0.3-4', os: 'debian 10.13' },
    want: [{ id: 'CVE-2019-10192', fixed: ['5:5.0.3-4+deb10u1'], aliases: ['DSA-4480-1'] }],
  },
  {
    title: 'redis-server 3:3.2.6-3+deb9u3 on Debian 9: the stretch fix of DSA-4480-1 (epoch 3)',
    pkg: { type: 'deb', name: 'redis-server', source: 'redis', version: '3:3.2.6-3+deb9u3', os: 'debian 9.13' },
    exactly: [],
  },
  {
    title: 'redis-server 3:3.2.6-3+deb9u2 on Debian 9: just below the stretch fix',
    pkg: { type: 'deb', name: 'redis-server', source: 'redis', version: '3:3.2.6-3+deb9u2', os: 'debian 9.13' },
    want: [{ id: 'CVE-2019-10192', fixed: ['3:3.2.6-3+deb9u3'] }],
  },
  {
    title: `txt2man 1.5.5-4 on Debian 9: ${DEB_JSON} stretch fixed 1.5.5-4.1, urgency "low**"`,
    pkg: { type: 'deb', name: 'txt2man', version: '1.5.5-4', os: 'debian 9.13' },
    want: [{ id: 'CVE-2013-1444', fixed: ['1.5.5-4.1'], severity: 'LOW' }],
  },
  {
    title: 'zlib1g on Debian 14: no data for that release, so the scan is incomplete',
    pkg: { type: 'deb', name: 'zlib1g', source: 'zlib', version: '1:1.3.dfsg-3', os: 'debian 14' },
    exactly: [],
    incomplete: /debian:14/,
  },
];

const UBU = 'samples/ubuntu/osv';
const ubuntuWolfiCases: Case[] = [
  {
    title: `libwayland-client0 1.18.0-1 (source wayland) on Ubuntu 20.04: ${UBU}/cve/2021/UBUNTU-CVE-2021-3782.json + usn/USN-5614-1.json → one finding`,
    pkg: { type: 'deb', name: 'libwayland-client0', source: 'wayland', version: '1.18.0-1', os: 'ubuntu 20.04' },
    exactly: ['CVE-2021-3782'],
    want: [{ id: 'CVE-2021-3782', fixed: ['1.18.0-1ubuntu0.1'], severity: 'MEDIUM', severitySource: 'ubuntu', aliases: ['UBUNTU-CVE-2021-3782', 'USN-5614-1'] }],
  },
  { title: 'libwayland-client0 1.18.0-1ubuntu0.1 on 20.04: the focal fix', pkg: { type: 'deb', name: 'libwayland-client0', source: 'wayland', version: '1.18.0-1ubuntu0.1', os: 'ubuntu 20.04' }, exactly: [] },
  {
    title: 'libwayland-client0 1.18.0-1 on 22.04: the jammy statement (fixed 1.20.0-1ubuntu0.1) applies, not focal\'s',
    pkg: { type: 'deb', name: 'libwayland-client0', source: 'wayland', version: '1.18.0-1ubuntu0.1', os: 'ubuntu 22.04' },
    want: [{ id: 'CVE-2021-3782', fixed: ['1.20.0-1ubuntu0.1'] }],
  },
  {
    title: `libnetty-java 1:4.0.34-1 (source netty) on 16.04: ${UBU}/cve/2022/UBUNTU-CVE-2022-24823.json fix through Ubuntu Pro`,
    pkg: { type: 'deb', name: 'libnetty-java', source: 'netty', version: '1:4.0.34-1', os: 'ubuntu 16.04' },
    want: [{ id: 'CVE-2022-24823', fixed: ['1:4.0.34-1ubuntu0.1~esm2'], severity: 'LOW', severitySource: 'ubuntu' }],
  },
  {
    title: 'libnetty-java 1:4.1.48-10 on 25.10: no fixed event for questing',
    pkg: { type: 'deb', name: 'libnetty-java', source: 'netty', version: '1:4.1.48-10', os: 'ubuntu 25.10' },
    want: [{ id: 'CVE-2022-24823', fixed: [], status: 'unfixed' }],
  },
  {
    title: `libc6 2.35-0ubuntu3.13 (source glibc) on 22.04: ${UBU}/cve/2016/UBUNTU-CVE-2016-20013.json, priority negligible, no fix`,
    pkg: { type: 'deb', name: 'libc6', source: 'glibc', version: '2.35-0ubuntu3.13', os: 'ubuntu 22.04' },
    want: [{ id: 'CVE-2016-20013', fixed: [], status: 'unfixed', severity: 'NEGLIGIBLE' }],
  },
  {
    title: 'openssl 3.0.6-r0 on Wolfi: samples/wolfi/secdb/security.json openssl 3.0.7-r0',
    pkg: { type: 'apk', name: 'openssl', version: '3.0.6-r0', os: 'wolfi 20230201' },
    exactly: ['CVE-2022-3358', 'CVE-2022-3602', 'CVE-2022-3786'],
    want: [{ id: 'CVE-2022-3602', fixed: ['3.0.7-r0'] }],
  },
  { title: 'libcrypto3 3.0.7-r0 (origin openssl) on Wolfi: first fixed', pkg: { type: 'apk', name: 'libcrypto3', version: '3.0.7-r0', origin: 'openssl', os: 'wolfi 20230201' }, exactly: [] },
  {
    title: 'curl 7.86.0-r0 on Chainguard: samples/chainguard/secdb/security.json curl 7.87.0-r0',
    pkg: { type: 'apk', name: 'curl', version: '7.86.0-r0', os: 'chainguard 20230214' },
    want: [
      { id: 'CVE-2022-43551', fixed: ['7.87.0-r0'] },
      { id: 'CVE-2022-43552', fixed: ['7.87.0-r0'] },
    ],
  },
  { title: "curl 7.86.0-r0 on Wolfi: Chainguard's 7.87.0-r0 statement is not Wolfi's", pkg: { type: 'apk', name: 'curl', version: '7.86.0-r0', os: 'wolfi 20230201' }, exactly: [] },
  { title: 'coreutils 9.1-r0 on Wolfi: CVE-2016-2781 under "0" (not affected)', pkg: { type: 'apk', name: 'coreutils', version: '9.1-r0', os: 'wolfi 20230201' }, exactly: [] },
  {
    title: 'syncthing 2.0.14-r0 on Wolfi: samples/chainguard/osv/CGA-xcpc-gm23-prj9.json (Wolfi entry)',
    pkg: { type: 'apk', name: 'syncthing', version: '2.0.14-r0', os: 'wolfi 20230201' },
    want: [{ id: 'CVE-2025-68121', fixed: ['2.0.14-r1'], aliases: ['CGA-xcpc-gm23-prj9'] }],
  },
  {
    title: 'syncthing-compat on Chainguard: CGA-xcpc-gm23-prj9 introduced 0 fixed 0 (never affected)',
    pkg: { type: 'apk', name: 'syncthing-compat', version: '2.0.14-r0', os: 'chainguard 20230214' },
    exactly: [],
  },
];

// ---------------------------------------------------------------------------------------------------------------

function check(c: Case): void {
  const r = scanOne(c.pkg);
  const findings = r.targets.flatMap((t) => t.findings);
  const shown = findings.map((f) => `${f.id} [${f.aliases.join(' ')}] fixed ${f.fixedVersions.join(',') || '-'} ${f.status}`).join('\n  ');
  if (c.incomplete) {
    assert.equal(r.complete, false, 'an OS release without data must make the scan incomplete');
    assert.match(r.warnings.join('\n'), c.incomplete);
  } else {
    assert.equal(r.complete, true, `complete; warnings: ${r.warnings.join('; ')}`);
  }
  if (c.exactly) assert.deepEqual(findings.map((f) => f.id).sort(), [...c.exactly].sort(), `findings:\n  ${shown}`);
  for (const x of c.not ?? []) {
    const hit = findings.find((f) => f.id === x || f.aliases.includes(x));
    assert.equal(hit, undefined, `${x} must not be reported; findings:\n  ${shown}`);
  }
  for (const w of c.want ?? []) {
    const matches = findings.filter((f) => f.id === w.id);
    assert.equal(matches.length, 1, `exactly one finding ${w.id}; findings:\n  ${shown}`);
    const f = matches[0]!;
    if (w.fixed) assert.deepEqual(f.fixedVersions, w.fixed, `${w.id} fixed versions`);
    if (w.status) assert.equal(f.status, w.status, `${w.id} status`);
    else if (w.fixed) assert.equal(f.status, w.fixed.length ? 'fixed' : f.status, `${w.id} status`);
    if (w.severity) assert.equal(f.severity, w.severity, `${w.id} severity`);
    if (w.severitySource) assert.equal(f.severitySource, w.severitySource, `${w.id} severity source`);
    for (const a of w.aliases ?? []) assert.ok(f.aliases.includes(a), `${w.id} lists alias ${a} (has ${f.aliases.join(', ')})`);
    if (w.kev) assert.deepEqual(f.kev, w.kev, `${w.id} KEV`);
    // Every finding explains itself (DESIGN.md §3.7).
    assert.equal(f.package.purl, packageOf(c.pkg).purl);
    assert.ok(f.match.advisory && f.match.feed && f.match.constraint, `${w.id} says which statement matched`);
    if (c.pkg.type === 'deb' || c.pkg.type === 'apk') {
      const own = c.pkg.type === 'deb' ? (c.pkg.source ?? c.pkg.name) : (c.pkg.origin ?? c.pkg.name);
      assert.equal(f.match.searchedBy, own, 'OS packages are looked up by source package / origin');
      assert.equal(f.match.matcher, `${c.pkg.type}-distro`);
    }
  }
}

for (const [name, cases] of [
  ['npm (GitHub Advisory Database)', npmCases],
  ['Maven (GitHub Advisory Database)', mavenCases],
  ['PyPI (GHSA and PyPA)', pypiCases],
  ['Go (Go vulndb, GHSA)', goCases],
  ['RubyGems, crates.io, NuGet, Packagist', otherLangCases],
  ['Alpine secdb', alpineCases],
  ['Debian security tracker', debianCases],
  ['Ubuntu OSV, Wolfi and Chainguard', ubuntuWolfiCases],
] as const) {
  describe(`known answers: ${name}`, () => {
    for (const c of cases) test(c.title, () => check(c));
  });
}

describe('known answers: enrichment and vendor statuses', () => {
  test('EPSS: a CVE of the sample CSV carries its score; a CVE not in it (Log4Shell) carries none', () => {
    // epss/epss_scores-sample.csv: CVE-1999-0005,0.91963,0.99214 (score_date 2025-02-20); no package of the mirror
    // is affected by a CVE of those five rows, so the enrichment is read where the matcher reads it.
    const e = store.enrichments(['CVE-1999-0005', 'CVE-2021-44228']);
    assert.deepEqual({ score: e.get('CVE-1999-0005')?.epss?.score, percentile: e.get('CVE-1999-0005')?.epss?.percentile }, { score: 0.91963, percentile: 0.99214 });
    const r = scanOne({ ...LOG4J, version: '2.14.1' });
    const f = r.targets[0]!.findings.find((x) => x.id === 'CVE-2021-44228')!;
    assert.equal(f.epss, undefined);
    assert.ok(f.cwes?.includes('CWE-502'), 'CWE from the KEV catalog entry');
  });

  // <no-dsa> means "no security advisory; may still be fixed in a point release": vulnerable and open, like Trivy.
  test('putty on Debian 11 <no-dsa> is reported as unfixed (no DSA planned, the fix may come in a point release)', () => {
    const r = scanOne({ type: 'deb', name: 'putty-tools', source: 'putty', version: '0.74-1', os: 'debian 11.9' });
    const f = r.targets[0]!.findings.find((x) => x.id === 'CVE-2021-36367');
    assert.equal(f?.status, 'unfixed');
    assert.deepEqual(f?.fixedVersions, []);
  });
});
