import { createHash } from 'node:crypto';
import { isScalar, type Node } from 'yaml';
import {
  PolicyValidationError,
  SEVERITIES,
  type AttestationCondition,
  type AttestationRule,
  type Authority,
  type ImageMatcher,
  type ImagePolicy,
  type KeylessIdentity,
  type LabelSelector,
  type PolicyException,
  type PolicyIssue,
  type ReferenceRules,
  type Severity,
  type VulnerabilityRule,
} from '../core/index.js';
import { parseDuration, parseInstant } from './duration.js';
import { imageGlobProblem } from './glob.js';
import { isJsonPath, parseJsonPath } from './json-path.js';
import { certificateIds, publicKeyId } from './keys.js';
import { expandPredicateType, PREDICATE_TYPE_ALIASES } from './predicate-types.js';
import { compileRe2, isRe2 } from './regexp.js';
import {
  isMissing,
  join,
  mapEntries,
  readBool,
  readEnum,
  readNumber,
  readString,
  readStringList,
  readStringMap,
  readYamlDocuments,
  seqItems,
  toPlain,
  YamlContext,
  type Entry,
  type YamlDocument,
} from './yaml-reader.js';

/**
 * Reads Tollgate policy files (docs/policy.md): Kubernetes-style `ClusterImagePolicy` documents, several per file.
 * Every problem is reported with file, line, column and field path, all at once, so a policy author fixes a file in
 * one pass. Pure: texts in, policies out.
 */
export const API_VERSION = 'tollgate.dev/v1alpha1';
export const KIND = 'ClusterImagePolicy';

export interface PolicySource {
  file: string;
  text: string;
}

export interface ParsedPolicies {
  policies: ImagePolicy[];
  issues: PolicyIssue[];
  /** Not errors, but worth saying (an exception that has expired, a policy without rules). */
  warnings: PolicyIssue[];
}

const SPEC_FIELDS = [
  'images',
  'excludeImages',
  'namespaces',
  'namespaceSelector',
  'mode',
  'failurePolicy',
  'authorities',
  'count',
  'signedManifest',
  'attestations',
  'vulnerabilities',
  'references',
  'exceptions',
  'mutateDigest',
] as const;
const AUTHORITY_FIELDS = ['name', 'key', 'keyless', 'notation', 'static', 'validFrom', 'validUntil', 'annotations', 'attestationsOnly'] as const;
const AUTHORITY_TYPES = ['key', 'keyless', 'notation', 'static'] as const;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const REFERENCE_CHECKS = ['forbidLatest', 'requireDigest', 'allowedRegistries'] as const;

/** Parses and validates; never throws. */
export function parsePolicySources(sources: readonly PolicySource[], options: { now?: Date } = {}): ParsedPolicies {
  const now = options.now ?? new Date();
  const issues: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  const policies: ImagePolicy[] = [];
  const names = new Map<string, { file: string; line: number }>();
  for (const src of sources) {
    const read = readYamlDocuments(src.file, src.text);
    issues.push(...read.issues);
    if (read.issues.length > 0) continue;
    for (const d of read.documents) {
      const ctx = new YamlContext(src.file, d.lineCounter, issues, warnings);
      const p = readPolicyDocument(ctx, d, now);
      if (!p) continue;
      const seen = names.get(p.name);
      if (seen) {
        ctx.issue(d.doc.getIn(['metadata', 'name'], true) as Node, 'metadata.name', `policy ${JSON.stringify(p.name)} is already defined at ${seen.file}:${seen.line}`);
        continue;
      }
      names.set(p.name, { file: src.file, line: d.line });
      policies.push(p);
    }
  }
  // In reading order: by file (as given), then line and column.
  const order = new Map(sources.map((s, i) => [s.file, i]));
  const byPlace = (a: PolicyIssue, b: PolicyIssue) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column;
  return { policies, issues: issues.sort(byPlace), warnings: warnings.sort(byPlace) };
}

/** Parses and validates; throws PolicyValidationError listing every problem. */
export function parsePolicies(sources: readonly PolicySource[], options: { now?: Date } = {}): ImagePolicy[] {
  const r = parsePolicySources(sources, options);
  if (r.issues.length > 0) throw new PolicyValidationError(r.issues);
  return r.policies;
}

function readPolicyDocument(ctx: YamlContext, d: YamlDocument, now: Date): ImagePolicy | undefined {
  const before = ctx.issues.length;
  const root = d.doc.contents as Node | null;
  const top = mapEntries(ctx, root, '', ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  if (!top) return undefined;
  const apiVersion = top.get('apiVersion');
  const kind = top.get('kind');
  if (!apiVersion) ctx.issue(root, 'apiVersion', `missing; expected ${API_VERSION}`);
  else if (!isScalar(apiVersion.value) || apiVersion.value.value !== API_VERSION) {
    const got = isScalar(apiVersion.value) ? String(apiVersion.value.value) : '?';
    ctx.issue(apiVersion.value, 'apiVersion', `expected ${API_VERSION}, got ${JSON.stringify(got)}${/kyverno|sigstore/.test(got) ? ' (translate it with `tollgate policy convert`)' : ''}`, apiVersion.key);
  }
  if (!kind) ctx.issue(root, 'kind', `missing; expected ${KIND}`);
  else if (!isScalar(kind.value) || kind.value.value !== KIND) {
    ctx.issue(kind.value, 'kind', `expected ${KIND}, got ${isScalar(kind.value) ? JSON.stringify(kind.value.value) : 'a non-string'}`, kind.key);
  }
  let name: string | undefined;
  const metadata = top.get('metadata');
  if (!metadata) ctx.issue(root, 'metadata', 'missing; a policy needs metadata.name');
  else {
    // Other metadata (labels, annotations, what `kubectl get -o yaml` adds) is accepted and ignored.
    const m = mapEntries(ctx, metadata.value, 'metadata', null);
    const n = m?.get('name');
    if (m && !n) ctx.issue(metadata.value, 'metadata.name', 'missing', metadata.key);
    if (n) {
      name = readString(ctx, n.value, 'metadata.name', n.key);
      if (name !== undefined && (!DNS_SUBDOMAIN.test(name) || name.length > 253)) {
        ctx.issue(n.value, 'metadata.name', `${JSON.stringify(name)} is not a valid Kubernetes name (lowercase letters, digits, "-" and ".", at most 253 characters)`);
        name = undefined;
      }
    }
  }
  const spec = top.get('spec');
  if (!spec) {
    ctx.issue(root, 'spec', 'missing');
    return undefined;
  }
  const s = mapEntries(ctx, spec.value, 'spec', SPEC_FIELDS);
  if (!s || name === undefined) return undefined;
  const policy = readSpec(ctx, s, spec, name, now);
  if (!policy || ctx.issues.length > before) return undefined;
  const { version: _v, source: _s, ...meaning } = policy;
  policy.version = createHash('sha256').update(JSON.stringify(meaning)).digest('hex').slice(0, 16);
  policy.source = { file: ctx.file, line: d.line };
  return policy;
}

function readMatchers(ctx: YamlContext, e: Entry, path: string, required: boolean): ImageMatcher[] | undefined {
  const items = seqItems(ctx, e.value, path);
  if (!items) return undefined;
  if (required && items.length === 0) {
    ctx.issue(e.value, path, 'must list at least one image glob', e.key);
    return undefined;
  }
  const out: ImageMatcher[] = [];
  items.forEach((item, i) => {
    const p = join(path, i);
    // A bare string is accepted as a glob (the short form).
    if (isScalar(item) && typeof item.value === 'string') {
      const problem = imageGlobProblem(item.value);
      if (problem) ctx.issue(item, p, problem);
      else out.push({ glob: item.value });
      return;
    }
    const m = mapEntries(ctx, item, p, ['glob', 'regex']);
    if (!m) return;
    const glob = m.get('glob');
    const regex = m.get('regex');
    if ((glob ? 1 : 0) + (regex ? 1 : 0) !== 1) {
      ctx.issue(item, p, 'expected exactly one of glob, regex');
      return;
    }
    if (glob) {
      const g = readString(ctx, glob.value, join(p, 'glob'), glob.key);
      if (g === undefined) return;
      const problem = imageGlobProblem(g);
      if (problem) ctx.issue(glob.value, join(p, 'glob'), problem);
      else out.push({ glob: g });
    } else if (regex) {
      const r = readString(ctx, regex.value, join(p, 'regex'), regex.key);
      if (r === undefined) return;
      const c = compileRe2(r);
      if (!isRe2(c)) ctx.issue(regex.value, join(p, 'regex'), `invalid regular expression: ${c.error}`);
      else out.push({ regex: r });
    }
  });
  return out;
}

function readSelector(ctx: YamlContext, e: Entry, path: string): LabelSelector | undefined {
  const m = mapEntries(ctx, e.value, path, ['matchLabels', 'matchExpressions']);
  if (!m) return undefined;
  const sel: LabelSelector = {};
  const ml = m.get('matchLabels');
  if (ml) {
    const labels = readStringMap(ctx, ml.value, join(path, 'matchLabels'));
    if (labels) sel.matchLabels = labels;
  }
  const me = m.get('matchExpressions');
  if (me) {
    const items = seqItems(ctx, me.value, join(path, 'matchExpressions'));
    sel.matchExpressions = [];
    items?.forEach((item, i) => {
      const p = join(join(path, 'matchExpressions'), i);
      const x = mapEntries(ctx, item, p, ['key', 'operator', 'values']);
      if (!x) return;
      const key = x.get('key');
      const op = x.get('operator');
      if (!key) ctx.issue(item, join(p, 'key'), 'missing');
      if (!op) ctx.issue(item, join(p, 'operator'), 'missing');
      if (!key || !op) return;
      const k = readString(ctx, key.value, join(p, 'key'), key.key);
      const o = readEnum(ctx, op.value, join(p, 'operator'), ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
      const valuesEntry = x.get('values');
      const values = valuesEntry ? readStringList(ctx, valuesEntry.value, join(p, 'values')) : undefined;
      if (o && (o === 'In' || o === 'NotIn') && !(values && values.length > 0)) {
        ctx.issue(valuesEntry?.value ?? item, join(p, 'values'), `operator ${o} needs a non-empty values list`);
        return;
      }
      if (o && (o === 'Exists' || o === 'DoesNotExist') && values && values.length > 0) {
        ctx.issue(valuesEntry!.value, join(p, 'values'), `operator ${o} takes no values`);
        return;
      }
      if (k && o) sel.matchExpressions!.push({ key: k, operator: o, ...(values ? { values } : {}) });
    });
  }
  return sel;
}

function readInstant(ctx: YamlContext, e: Entry, path: string): string | undefined {
  const s = readString(ctx, e.value, path, e.key);
  if (s === undefined) return undefined;
  const iso = parseInstant(s);
  if (!iso) ctx.issue(e.value, path, `expected a date (YYYY-MM-DD) or an RFC 3339 time (2025-01-31T12:00:00Z), got ${JSON.stringify(s)}`);
  return iso;
}

function readRegexpField(ctx: YamlContext, e: Entry, path: string): string | undefined {
  const s = readString(ctx, e.value, path, e.key);
  if (s === undefined) return undefined;
  const c = compileRe2(s);
  if (!isRe2(c)) {
    ctx.issue(e.value, path, `invalid regular expression ${JSON.stringify(s)}: ${c.error}`);
    return undefined;
  }
  return s;
}

function readAuthority(ctx: YamlContext, node: Node | null, path: string, index: number): Authority | undefined {
  const m = mapEntries(ctx, node, path, AUTHORITY_FIELDS);
  if (!m) return undefined;
  const types = AUTHORITY_TYPES.filter((t) => m.has(t));
  if (types.length !== 1) {
    ctx.issue(node, path, types.length === 0 ? `expected one of ${AUTHORITY_TYPES.join(', ')}` : `expected exactly one of ${AUTHORITY_TYPES.join(', ')}, got ${types.join(' and ')}`);
    return undefined;
  }
  const type = types[0]!;
  const nameEntry = m.get('name');
  const name = nameEntry ? readString(ctx, nameEntry.value, join(path, 'name'), nameEntry.key) : `authority-${index}`;
  const ao = m.get('attestationsOnly');
  const attestationsOnly = ao ? (readBool(ctx, ao.value, join(path, 'attestationsOnly')) ?? false) : false;
  const ann = m.get('annotations');
  const annotations = ann ? readStringMap(ctx, ann.value, join(path, 'annotations')) : undefined;
  const base = { name: name ?? `authority-${index}`, attestationsOnly, ...(annotations ? { annotations } : {}) };
  for (const f of ['validFrom', 'validUntil'] as const) {
    if (type !== 'key' && m.has(f)) ctx.issue(m.get(f)!.key, join(path, f), 'validity windows apply to keys only');
  }
  const body = m.get(type)!;
  const bp = join(path, type);
  switch (type) {
    case 'key': {
      const k = mapEntries(ctx, body.value, bp, ['data', 'secretRef', 'kms']);
      if (!k) return undefined;
      const forms = (['data', 'secretRef', 'kms'] as const).filter((f) => k.has(f));
      if (forms.length !== 1) {
        ctx.issue(body.value, bp, forms.length === 0 ? 'expected one of data, secretRef, kms' : `expected exactly one of data, secretRef, kms, got ${forms.join(' and ')}`, body.key);
        return undefined;
      }
      let key: { data?: string; secretRef?: { name: string; namespace?: string }; kms?: string } | undefined;
      let keyId: string | undefined;
      const data = k.get('data');
      const secretRef = k.get('secretRef');
      const kms = k.get('kms');
      if (data) {
        const pem = readString(ctx, data.value, join(bp, 'data'), data.key);
        if (pem === undefined) return undefined;
        const id = publicKeyId(pem);
        if (typeof id !== 'string') {
          ctx.issue(data.value, join(bp, 'data'), id.error);
          return undefined;
        }
        key = { data: pem };
        keyId = id;
      } else if (secretRef) {
        const sp = join(bp, 'secretRef');
        const sr = mapEntries(ctx, secretRef.value, sp, ['name', 'namespace']);
        const n = sr?.get('name');
        if (sr && !n) ctx.issue(secretRef.value, join(sp, 'name'), 'missing');
        if (!sr || !n) return undefined;
        const sn = readString(ctx, n.value, join(sp, 'name'), n.key);
        const nsEntry = sr.get('namespace');
        const ns = nsEntry ? readString(ctx, nsEntry.value, join(sp, 'namespace'), nsEntry.key) : undefined;
        if (sn === undefined) return undefined;
        key = { secretRef: { name: sn, ...(ns ? { namespace: ns } : {}) } };
        keyId = ns ? `k8s://${ns}/${sn}` : `k8s://${sn}`;
      } else if (kms) {
        const uri = readString(ctx, kms.value, join(bp, 'kms'), kms.key);
        if (uri === undefined) return undefined;
        if (!/^(awskms|gcpkms|azurekms|hashivault|pkcs11):\/\/.+$/.test(uri)) {
          ctx.issue(kms.value, join(bp, 'kms'), `expected a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://, pkcs11://), got ${JSON.stringify(uri)}`);
          return undefined;
        }
        if (/<<|\$\{|\s/.test(uri)) ctx.warn(kms.value, join(bp, 'kms'), 'looks like a template with placeholders still in it');
        key = { kms: uri };
        keyId = uri;
      }
      const vf = m.get('validFrom');
      const vu = m.get('validUntil');
      const validFrom = vf ? readInstant(ctx, vf, join(path, 'validFrom')) : undefined;
      const validUntil = vu ? readInstant(ctx, vu, join(path, 'validUntil')) : undefined;
      if (validFrom && validUntil && validFrom >= validUntil) ctx.issue(vu!.value, join(path, 'validUntil'), `must be after validFrom (${validFrom})`);
      if (!key || !keyId) return undefined;
      return { ...base, type: 'key', key, keyId, ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}) };
    }
    case 'keyless': {
      const k = mapEntries(ctx, body.value, bp, ['identities', 'trustRootRef', 'url']);
      if (!k) return undefined;
      const ids = k.get('identities');
      if (!ids) {
        ctx.issue(body.value, join(bp, 'identities'), 'missing: keyless signatures are only as good as the identities they must come from', body.key);
        return undefined;
      }
      const items = seqItems(ctx, ids.value, join(bp, 'identities'));
      if (!items) return undefined;
      if (items.length === 0) ctx.issue(ids.value, join(bp, 'identities'), 'must list at least one identity');
      const identities: KeylessIdentity[] = [];
      items.forEach((item, i) => {
        const ip = join(join(bp, 'identities'), i);
        const im = mapEntries(ctx, item, ip, ['issuer', 'issuerRegExp', 'subject', 'subjectRegExp']);
        if (!im) return;
        const id: KeylessIdentity = {};
        for (const [exact, re] of [
          ['issuer', 'issuerRegExp'],
          ['subject', 'subjectRegExp'],
        ] as const) {
          const a = im.get(exact);
          const b = im.get(re);
          if (a && b) ctx.issue(b.key, join(ip, re), `expected one of ${exact}, ${re}, got both`);
          else if (!a && !b) {
            ctx.issue(item, ip, `expected ${exact} or ${re} (use ${re}: ".*" to accept any ${exact} explicitly)`);
          } else if (a) {
            const v = readString(ctx, a.value, join(ip, exact), a.key);
            if (v !== undefined) id[exact] = v;
          } else {
            const v = readRegexpField(ctx, b!, join(ip, re));
            if (v !== undefined) id[re] = v;
          }
        }
        identities.push(id);
      });
      const tr = k.get('trustRootRef');
      const url = k.get('url');
      const trustRootRef = tr ? readString(ctx, tr.value, join(bp, 'trustRootRef'), tr.key) : undefined;
      const u = url ? readString(ctx, url.value, join(bp, 'url'), url.key) : undefined;
      return { ...base, type: 'keyless', identities, ...(trustRootRef ? { trustRootRef } : {}), ...(u ? { url: u } : {}) };
    }
    case 'notation': {
      const k = mapEntries(ctx, body.value, bp, ['trustStores', 'certs', 'trustedIdentities', 'level']);
      if (!k) return undefined;
      const ts = k.get('trustStores');
      const certs = k.get('certs');
      if (!ts && !certs) {
        ctx.issue(body.value, bp, 'expected trustStores or certs (the trust anchors)', body.key);
        return undefined;
      }
      const trustStores = ts ? (readStringList(ctx, ts.value, join(bp, 'trustStores'), { nonEmpty: true }) ?? []) : [];
      trustStores.forEach((s, i) => {
        if (!/^(ca|signingAuthority|tsa):[A-Za-z0-9_.-]+$/.test(s)) {
          ctx.issue((seqItems(ctx, ts!.value, '') ?? [])[i] ?? ts!.value, join(join(bp, 'trustStores'), i), `expected "<ca|signingAuthority|tsa>:<name>", got ${JSON.stringify(s)}`);
        }
      });
      const anchorIds = trustStores.map((s) => `notation:${s}`);
      let pem: string | undefined;
      if (certs) {
        pem = readString(ctx, certs.value, join(bp, 'certs'), certs.key);
        if (pem !== undefined) {
          const ids = certificateIds(pem);
          if (!Array.isArray(ids)) ctx.issue(certs.value, join(bp, 'certs'), ids.error);
          else anchorIds.push(...ids);
        }
      }
      const ti = k.get('trustedIdentities');
      const trustedIdentities = ti ? (readStringList(ctx, ti.value, join(bp, 'trustedIdentities'), { nonEmpty: true }) ?? []) : ['*'];
      trustedIdentities.forEach((t, i) => {
        if (t !== '*' && !/^x509\.subject:\s*\S/.test(t)) {
          ctx.issue(ti!.value, join(join(bp, 'trustedIdentities'), i), `expected "*" or "x509.subject: <distinguished name>", got ${JSON.stringify(t)}`);
        }
      });
      const lv = k.get('level');
      const level = lv ? (readEnum(ctx, lv.value, join(bp, 'level'), ['strict', 'permissive', 'audit'] as const) ?? 'strict') : 'strict';
      return { ...base, type: 'notation', trustStores, ...(pem ? { certs: pem } : {}), anchorIds, trustedIdentities, level };
    }
    case 'static': {
      const k = mapEntries(ctx, body.value, bp, ['action']);
      const a = k?.get('action');
      if (k && !a) ctx.issue(body.value, join(bp, 'action'), 'missing (pass or fail)', body.key);
      if (!a) return undefined;
      const action = readEnum(ctx, a.value, join(bp, 'action'), ['pass', 'fail'] as const);
      if (!action) return undefined;
      if (attestationsOnly) ctx.issue(m.get('attestationsOnly')!.key, join(path, 'attestationsOnly'), 'a static authority signs nothing');
      return { ...base, type: 'static', action };
    }
  }
}

function readCondition(ctx: YamlContext, node: Node | null, path: string): AttestationCondition | undefined {
  const ops = ['equals', 'notEquals', 'matches', 'in', 'notIn', 'exists'] as const;
  const m = mapEntries(ctx, node, path, ['path', ...ops]);
  if (!m) return undefined;
  const pe = m.get('path');
  if (!pe) {
    ctx.issue(node, join(path, 'path'), 'missing (a JSONPath such as $.predicate.builder.id)');
    return undefined;
  }
  const p = readString(ctx, pe.value, join(path, 'path'), pe.key);
  if (p === undefined) return undefined;
  const parsed = parseJsonPath(p);
  if (!isJsonPath(parsed)) {
    ctx.issue(pe.value, join(path, 'path'), `invalid path ${JSON.stringify(p)}: ${parsed.error}`);
    return undefined;
  }
  const present = ops.filter((o) => m.has(o));
  if (present.length !== 1) {
    ctx.issue(node, path, present.length === 0 ? `expected one of ${ops.join(', ')}` : `expected exactly one of ${ops.join(', ')}, got ${present.join(' and ')}`);
    return undefined;
  }
  const op = present[0]!;
  const e = m.get(op)!;
  const c: AttestationCondition = { path: p };
  switch (op) {
    case 'equals':
    case 'notEquals':
      if (isMissing(e.value)) {
        ctx.issue(e.value, join(path, op), 'expected a value', e.key);
        return undefined;
      }
      c[op] = toPlain(e.value);
      break;
    case 'matches': {
      const r = readRegexpField(ctx, e, join(path, op));
      if (r === undefined) return undefined;
      c.matches = r;
      break;
    }
    case 'in':
    case 'notIn': {
      const items = seqItems(ctx, e.value, join(path, op));
      if (!items) return undefined;
      if (items.length === 0) {
        ctx.issue(e.value, join(path, op), 'must list at least one value');
        return undefined;
      }
      c[op] = items.map((i) => toPlain(i));
      break;
    }
    case 'exists': {
      const b = readBool(ctx, e.value, join(path, op));
      if (b === undefined) return undefined;
      c.exists = b;
      break;
    }
  }
  return c;
}

function readSpec(ctx: YamlContext, s: Map<string, Entry>, spec: Entry, name: string, now: Date): ImagePolicy | undefined {
  const images = s.get('images');
  let matchers: ImageMatcher[] | undefined;
  if (!images) ctx.issue(spec.value, 'spec.images', 'missing: a policy must say which images it applies to (e.g. - glob: "ghcr.io/acme/**")', spec.key);
  else matchers = readMatchers(ctx, images, 'spec.images', true);
  const ex = s.get('excludeImages');
  const excludeImages = ex ? (readMatchers(ctx, ex, 'spec.excludeImages', false) ?? []) : [];

  const nsEntry = s.get('namespaces');
  const namespaces = nsEntry ? readStringList(ctx, nsEntry.value, 'spec.namespaces', { nonEmpty: true }) : undefined;
  const selEntry = s.get('namespaceSelector');
  const namespaceSelector = selEntry ? readSelector(ctx, selEntry, 'spec.namespaceSelector') : undefined;

  const modeEntry = s.get('mode');
  const mode = modeEntry ? readEnum(ctx, modeEntry.value, 'spec.mode', ['enforce', 'warn', 'audit'] as const) : 'enforce';
  const fpEntry = s.get('failurePolicy');
  const failurePolicy = fpEntry ? readEnum(ctx, fpEntry.value, 'spec.failurePolicy', ['Fail', 'Ignore'] as const) : 'Fail';
  const smEntry = s.get('signedManifest');
  const signedManifest = smEntry ? readEnum(ctx, smEntry.value, 'spec.signedManifest', ['index', 'platform', 'any'] as const) : 'any';
  const mdEntry = s.get('mutateDigest');
  const mutateDigest = mdEntry ? readBool(ctx, mdEntry.value, 'spec.mutateDigest') : true;

  // Authorities.
  const authorities: Authority[] = [];
  const authEntry = s.get('authorities');
  const authNodes = authEntry ? seqItems(ctx, authEntry.value, 'spec.authorities') : [];
  (authNodes ?? []).forEach((n, i) => {
    const a = readAuthority(ctx, n, `spec.authorities[${i}]`, i);
    if (!a) return;
    const dupName = authorities.find((b) => b.name === a.name);
    if (dupName) ctx.issue(n, `spec.authorities[${i}].name`, `authority name ${JSON.stringify(a.name)} is used twice`);
    if (a.type === 'key') {
      const dupKey = authorities.find((b) => b.type === 'key' && b.keyId === a.keyId && b.attestationsOnly === a.attestationsOnly);
      if (dupKey) ctx.issue(n, `spec.authorities[${i}].key`, `the same key as authority ${JSON.stringify(dupKey.name)}: one signature would count for both`);
    }
    authorities.push(a);
  });
  const signatureAuthorities = authorities.filter((a) => !a.attestationsOnly);
  const signers = authorities.filter((a) => a.type !== 'static');

  const countEntry = s.get('count');
  let count = signatureAuthorities.length > 0 ? 1 : 0;
  if (countEntry) {
    const c = readNumber(ctx, countEntry.value, 'spec.count', { integer: true, min: 1 });
    if (c !== undefined) {
      if (signatureAuthorities.length === 0) ctx.issue(countEntry.value, 'spec.count', 'there are no authorities for image signatures to count');
      else if (c > signatureAuthorities.length) {
        ctx.issue(countEntry.value, 'spec.count', `${c} authorities required but only ${signatureAuthorities.length} can sign the image (${signatureAuthorities.map((a) => a.name).join(', ')})`);
      } else count = c;
    }
  }

  // Attestations.
  const attestations: AttestationRule[] = [];
  const attEntry = s.get('attestations');
  const attNodes = attEntry ? seqItems(ctx, attEntry.value, 'spec.attestations') : [];
  (attNodes ?? []).forEach((n, i) => {
    const p = `spec.attestations[${i}]`;
    const m = mapEntries(ctx, n, p, ['name', 'predicateType', 'artifactType', 'authorities', 'policy']);
    if (!m) return;
    const ne = m.get('name');
    const pt = m.get('predicateType');
    const at = m.get('artifactType');
    if (!ne) ctx.issue(n, join(p, 'name'), 'missing');
    if (!pt && !at) ctx.issue(n, join(p, 'predicateType'), 'missing (a URI such as https://slsa.dev/provenance/v1, or a cosign short name: slsaprovenance1, spdxjson, cyclonedx, vuln, …; or artifactType for a signed referrer)');
    if (pt && at) ctx.issue(at.key, join(p, 'artifactType'), 'expected one of predicateType, artifactType, got both');
    const attName = ne ? readString(ctx, ne.value, join(p, 'name'), ne.key) : undefined;
    const rawType = pt ? readString(ctx, pt.value, join(p, 'predicateType'), pt.key) : undefined;
    const predicateType = rawType !== undefined ? expandPredicateType(rawType) : undefined;
    if (rawType !== undefined && predicateType === undefined) {
      ctx.issue(pt!.value, join(p, 'predicateType'), `${JSON.stringify(rawType)} is neither a URI nor a cosign predicate short name (${Object.keys(PREDICATE_TYPE_ALIASES).join(', ')}); a signed referrer is matched by artifactType`);
    }
    const artifactType = at ? readString(ctx, at.value, join(p, 'artifactType'), at.key) : undefined;
    if (attName !== undefined && attestations.some((a) => a.name === attName)) ctx.issue(ne!.value, join(p, 'name'), `attestation name ${JSON.stringify(attName)} is used twice`);
    const ae = m.get('authorities');
    const names = ae ? (readStringList(ctx, ae.value, join(p, 'authorities'), { nonEmpty: true }) ?? []) : [];
    names.forEach((an, j) => {
      const a = authorities.find((x) => x.name === an);
      const at = (seqItems(ctx, ae!.value, '') ?? [])[j] ?? ae!.value;
      if (!a) ctx.issue(at, `${p}.authorities[${j}]`, `no authority named ${JSON.stringify(an)} in this policy`);
      else if (a.type === 'static') ctx.issue(at, `${p}.authorities[${j}]`, `authority ${JSON.stringify(an)} is static: it signs nothing`);
    });
    if (!ae && signers.length === 0) ctx.issue(n, p, 'an attestation must be signed: add a key, keyless or notation authority to spec.authorities');
    const conditions: AttestationCondition[] = [];
    let maxAgeSeconds: number | undefined;
    let timestampPath: string | undefined;
    const pol = m.get('policy');
    if (pol) {
      const pp = join(p, 'policy');
      const pm = mapEntries(ctx, pol.value, pp, ['conditions', 'maxAge', 'timestampPath']);
      const ce = pm?.get('conditions');
      if (ce) (seqItems(ctx, ce.value, join(pp, 'conditions')) ?? []).forEach((cn, j) => {
        const c = readCondition(ctx, cn, `${pp}.conditions[${j}]`);
        if (c) conditions.push(c);
      });
      const ma = pm?.get('maxAge');
      if (ma) {
        const t = readString(ctx, ma.value, join(pp, 'maxAge'), ma.key);
        if (t !== undefined) {
          maxAgeSeconds = parseDuration(t);
          if (maxAgeSeconds === undefined || maxAgeSeconds === 0) ctx.issue(ma.value, join(pp, 'maxAge'), `expected a duration such as 7d, 36h, 1w2d, got ${JSON.stringify(t)}`);
        }
      }
      const tp = pm?.get('timestampPath');
      if (tp) {
        timestampPath = readString(ctx, tp.value, join(pp, 'timestampPath'), tp.key);
        if (timestampPath !== undefined) {
          const parsed = parseJsonPath(timestampPath);
          if (!isJsonPath(parsed)) ctx.issue(tp.value, join(pp, 'timestampPath'), `invalid path: ${parsed.error}`);
        }
      }
    }
    if (attName === undefined || (predicateType === undefined && artifactType === undefined) || (pt && at)) return;
    attestations.push({
      name: attName,
      ...(predicateType !== undefined ? { predicateType } : { artifactType: artifactType! }),
      authorities: names,
      conditions,
      ...(maxAgeSeconds ? { maxAgeSeconds } : {}),
      ...(timestampPath ? { timestampPath } : {}),
    });
  });

  // Vulnerabilities.
  let vulnerabilities: VulnerabilityRule | undefined;
  const vEntry = s.get('vulnerabilities');
  if (vEntry) {
    const vp = 'spec.vulnerabilities';
    const m = mapEntries(ctx, vEntry.value, vp, ['maxSeverity', 'denyFixable', 'denyKev', 'maxCvss', 'source']);
    if (m) {
      const sev = m.get('maxSeverity');
      const maxSeverity = sev ? readEnum(ctx, sev.value, join(vp, 'maxSeverity'), SEVERITIES) : undefined;
      const df = m.get('denyFixable');
      let denyFixable: Severity[] | undefined;
      if (df) {
        const list = readStringList(ctx, df.value, join(vp, 'denyFixable'), { nonEmpty: true });
        if (list) {
          denyFixable = [];
          const nodes = seqItems(ctx, df.value, '') ?? [];
          list.forEach((x, j) => {
            if ((SEVERITIES as readonly string[]).includes(x)) denyFixable!.push(x as Severity);
            else ctx.issue(nodes[j] ?? df.value, `${vp}.denyFixable[${j}]`, `must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(x)}`);
          });
        }
      }
      const kev = m.get('denyKev');
      const denyKev = kev ? (readBool(ctx, kev.value, join(vp, 'denyKev')) ?? false) : false;
      const cv = m.get('maxCvss');
      const maxCvss = cv ? readNumber(ctx, cv.value, join(vp, 'maxCvss'), { min: 0, max: 10 }) : undefined;
      const src = m.get('source');
      const source = src ? (readEnum(ctx, src.value, join(vp, 'source'), ['scan', 'sbom-attestation'] as const) ?? 'scan') : 'scan';
      if (!sev && !df && !denyKev && !cv) ctx.issue(vEntry.value, vp, 'no gate: set maxSeverity, denyFixable, denyKev or maxCvss', vEntry.key);
      if (source === 'sbom-attestation' && signers.length === 0) {
        ctx.issue(src!.value, join(vp, 'source'), 'the SBOM attestation must be signed: add a key, keyless or notation authority to spec.authorities');
      }
      vulnerabilities = {
        ...(maxSeverity ? { maxSeverity } : {}),
        ...(denyFixable ? { denyFixable } : {}),
        denyKev,
        ...(maxCvss !== undefined ? { maxCvss } : {}),
        source,
      };
    }
  }

  // References.
  let references: ReferenceRules | undefined;
  const rEntry = s.get('references');
  if (rEntry) {
    const rp = 'spec.references';
    const m = mapEntries(ctx, rEntry.value, rp, REFERENCE_CHECKS);
    if (m) {
      const fl = m.get('forbidLatest');
      const rd = m.get('requireDigest');
      const ar = m.get('allowedRegistries');
      const allowedRegistries = ar ? readStringList(ctx, ar.value, join(rp, 'allowedRegistries'), { nonEmpty: true }) : undefined;
      allowedRegistries?.forEach((r, j) => {
        if (!/^[A-Za-z0-9.[\]:-]+(\/[a-z0-9._-]+)*\/?$/.test(r)) {
          ctx.issue(ar!.value, `${rp}.allowedRegistries[${j}]`, `expected a registry host[:port] or host/path prefix, got ${JSON.stringify(r)}`);
        }
      });
      if (m.size === 0) ctx.issue(rEntry.value, rp, 'no check: set forbidLatest, requireDigest or allowedRegistries', rEntry.key);
      references = {
        forbidLatest: fl ? (readBool(ctx, fl.value, join(rp, 'forbidLatest')) ?? false) : false,
        requireDigest: rd ? (readBool(ctx, rd.value, join(rp, 'requireDigest')) ?? false) : false,
        ...(allowedRegistries ? { allowedRegistries } : {}),
      };
    }
  }

  // Exceptions.
  const ruleNames = ['signatures', 'attestations', ...attestations.map((a) => `attestations/${a.name}`), 'vulnerabilities', 'references', ...REFERENCE_CHECKS.map((c) => `references/${c}`)];
  const exceptions: PolicyException[] = [];
  const exEntry = s.get('exceptions');
  const exNodes = exEntry ? seqItems(ctx, exEntry.value, 'spec.exceptions') : [];
  (exNodes ?? []).forEach((n, i) => {
    const p = `spec.exceptions[${i}]`;
    const m = mapEntries(ctx, n, p, ['images', 'rules', 'vulnerabilities', 'owner', 'reason', 'expires']);
    if (!m) return;
    for (const f of ['images', 'owner', 'reason', 'expires']) {
      if (!m.has(f)) ctx.issue(n, join(p, f), `missing: an exception needs images, owner, reason and expires`);
    }
    const ie = m.get('images');
    const imgs = ie ? readStringList(ctx, ie.value, join(p, 'images'), { nonEmpty: true }) : undefined;
    imgs?.forEach((g, j) => {
      const problem = imageGlobProblem(g);
      if (problem) ctx.issue((seqItems(ctx, ie!.value, '') ?? [])[j] ?? ie!.value, `${p}.images[${j}]`, problem);
    });
    const re = m.get('rules');
    const rules = re ? readStringList(ctx, re.value, join(p, 'rules'), { nonEmpty: true }) : undefined;
    rules?.forEach((r, j) => {
      if (!ruleNames.includes(r)) {
        ctx.issue((seqItems(ctx, re!.value, '') ?? [])[j] ?? re!.value, `${p}.rules[${j}]`, `unknown rule ${JSON.stringify(r)}; this policy's rules are: ${ruleNames.join(', ')}`);
      }
    });
    const ve = m.get('vulnerabilities');
    const vulns = ve ? readStringList(ctx, ve.value, join(p, 'vulnerabilities'), { nonEmpty: true }) : undefined;
    if (vulns && rules && !(rules.length === 1 && rules[0] === 'vulnerabilities')) {
      ctx.issue(re!.value, join(p, 'rules'), 'an exception that lists vulnerabilities waives only those findings: leave rules out, or set rules: [vulnerabilities]');
    }
    if (vulns && !vulnerabilities) ctx.issue(ve!.value, join(p, 'vulnerabilities'), 'this policy has no vulnerabilities rule');
    const owner = m.get('owner');
    const reason = m.get('reason');
    const exp = m.get('expires');
    const o = owner ? readString(ctx, owner.value, join(p, 'owner'), owner.key) : undefined;
    const r = reason ? readString(ctx, reason.value, join(p, 'reason'), reason.key) : undefined;
    const expires = exp ? readInstant(ctx, exp, join(p, 'expires')) : undefined;
    if (!imgs || o === undefined || r === undefined || expires === undefined) return;
    if (new Date(expires) <= now) ctx.warn(exp!.value, join(p, 'expires'), `expired on ${expires} (owner ${o}): it no longer applies`);
    exceptions.push({ images: imgs, ...(rules ? { rules } : {}), ...(vulns ? { vulnerabilities: vulns } : {}), owner: o, reason: r, expires });
  });

  if (!matchers || !mode || !failurePolicy || !signedManifest || mutateDigest === undefined) return undefined;
  const policy: ImagePolicy = {
    name,
    version: '',
    mode,
    failurePolicy,
    images: matchers,
    excludeImages,
    ...(namespaces ? { namespaces } : {}),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    authorities,
    count,
    signedManifest,
    attestations,
    ...(vulnerabilities ? { vulnerabilities } : {}),
    ...(references ? { references } : {}),
    exceptions,
    mutateDigest,
  };
  if (signatureAuthorities.length === 0 && attestations.length === 0 && !vulnerabilities && !references) {
    ctx.warn(spec.key, 'spec', 'no rules (authorities, attestations, vulnerabilities or references): every matching image passes');
  }
  return policy;
}
