import { Document } from 'yaml';
import type { PolicyIssue } from '../../core/index.js';
import { API_VERSION, KIND, parsePolicySources } from '../parse-policy.js';
import { readYamlDocuments } from '../yaml-reader.js';
import { convertImageValidatingPolicy } from './kyverno-image-validating.js';
import { convertKyvernoClusterPolicy } from './kyverno-verify-images.js';
import { asString, isObject, NoteSink, type ConversionNote, type ConvertedPolicy } from './notes.js';
import { convertPolicyControllerPolicy } from './policy-controller.js';

/**
 * `tollgate policy convert`: Kyverno ClusterPolicy/Policy `verifyImages` rules, Kyverno ImageValidatingPolicy and
 * Sigstore policy-controller ClusterImagePolicy documents to Tollgate policies, with a note for everything that is
 * not (or need not be) carried over. The output is read back with Tollgate's own parser before it is returned, so a
 * translation is always a valid Tollgate policy.
 */
export interface ConversionResult {
  policies: ConvertedPolicy[];
  notes: ConversionNote[];
  /** YAML syntax errors in the inputs. */
  errors: PolicyIssue[];
  /** The policies as Tollgate YAML (multi-document), empty when there are none. */
  yaml: string;
}

export function convertPolicyTexts(sources: readonly { file: string; text: string }[]): ConversionResult {
  const notes: ConversionNote[] = [];
  const errors: PolicyIssue[] = [];
  const read = sources.map((s) => {
    const r = readYamlDocuments(s.file, s.text);
    errors.push(...r.issues);
    return r;
  });
  if (errors.length > 0) return { policies: [], notes, errors, yaml: '' };

  // ConfigMaps first: Kyverno rules may read trust material from them through their context.
  const configMaps = new Map<string, Record<string, string>>();
  for (const r of read) {
    for (const d of r.documents) {
      const o = d.doc.toJS() as unknown;
      if (isObject(o) && o.kind === 'ConfigMap' && isObject(o.metadata) && isObject(o.data)) {
        const data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, String(v)]));
        const name = asString(o.metadata.name) ?? '';
        configMaps.set(`${asString(o.metadata.namespace) ?? ''}/${name}`, data);
        if (!configMaps.has(name)) configMaps.set(name, data);
      }
    }
  }

  const policies: ConvertedPolicy[] = [];
  for (const r of read) {
    for (const d of r.documents) {
      const sink = new NoteSink(d, notes);
      const o = d.doc.toJS() as unknown;
      if (!isObject(o)) {
        sink.add('skipped', [], 'not a Kubernetes object');
        continue;
      }
      const apiVersion = asString(o.apiVersion) ?? '';
      const kind = asString(o.kind) ?? '';
      const group = apiVersion.split('/')[0];
      const before = notes.length;
      let converted: ConvertedPolicy[] | undefined;
      if ((kind === 'ClusterPolicy' || kind === 'Policy') && group === 'kyverno.io') converted = convertKyvernoClusterPolicy(o, sink, { configMaps });
      else if (kind === 'ImageValidatingPolicy' && group === 'policies.kyverno.io') converted = convertImageValidatingPolicy(o, sink);
      else if (kind === 'ClusterImagePolicy' && group === 'policy.sigstore.dev') converted = convertPolicyControllerPolicy(o, sink);
      else if (kind === KIND && apiVersion === API_VERSION) sink.add('skipped', [], 'already a Tollgate policy');
      else if (kind === 'ConfigMap') {
        const data = isObject(o.data) ? o.data : {};
        const name = asString(isObject(o.metadata) ? o.metadata.name : undefined) ?? '';
        const keys = Object.keys(data);
        if (typeof data['no-match-policy'] === 'string') {
          sink.add('untranslated', ['data', 'no-match-policy'], `no-match-policy ${String(data['no-match-policy'])} is an engine setting in Tollgate: run the webhook / policy test with --unmatched ${data['no-match-policy'] === 'deny' ? 'deny' : 'allow'}${data['no-match-policy'] === 'warn' ? ' (Tollgate has no warn for unmatched images)' : ''}`);
        } else if (keys.length > 0 && keys.every((k) => k === '_example')) {
          sink.add('skipped', ['data', '_example'], `ConfigMap ${name} holds only an _example block (documentation): nothing to translate`);
        } else sink.add('skipped', [], `ConfigMap ${name}: not a policy${configMaps.size ? ' (its values are used where a Kyverno rule refers to them)' : ''}`);
      } else sink.add('skipped', [], `${kind || 'a document without kind'} (${apiVersion || 'no apiVersion'}) is not a policy Tollgate translates`);
      if (!converted) continue;
      const docNotes = notes.slice(before).filter((n) => n.kind === 'untranslated');
      const hadUntranslated = docNotes.length > 0;
      for (const c of converted) {
        const hasRules = ['authorities', 'attestations', 'vulnerabilities', 'references'].some((k) => c.spec[k] !== undefined);
        if (!hasRules && (hadUntranslated || c.spec.mutateDigest === false)) {
          sink.add('untranslated', ['spec'], `nothing translatable remains for ${c.name}: no policy written`);
          continue;
        }
        let name = c.name;
        for (let i = 2; policies.some((p) => p.name === name); i++) name = `${c.name}-${i}`;
        policies.push({ ...c, name, origin: `${c.origin} (${d.file}:${d.line})`, ...(hadUntranslated ? { untranslated: docNotes.map((n) => `line ${n.line}: ${n.path}: ${n.message}`) } : {}) });
      }
    }
  }
  const yaml = renderPolicies(policies);
  // Read the translation back: an invalid translation is a bug of the converter, never something to hand out.
  const check = parsePolicySources([{ file: '<converted>', text: yaml }]);
  if (check.issues.length > 0) {
    const bad = new Set<string>();
    for (const i of check.issues) {
      const p = policies.find((x) => yamlLineOf(yaml, x.name) <= i.line && i.line < nextPolicyLine(yaml, policies, x.name));
      if (p) bad.add(p.name);
      notes.push({ file: p?.origin ?? '<converted>', line: i.line, path: i.path, kind: 'untranslated', message: `the translation is not a valid Tollgate policy (${i.message}): left out` });
    }
    const kept = policies.filter((p) => !bad.has(p.name));
    return { policies: kept, notes, errors, yaml: renderPolicies(kept) };
  }
  return { policies, notes, errors, yaml };
}

function yamlLineOf(yaml: string, name: string): number {
  const lines = yaml.split('\n');
  const idx = lines.findIndex((l) => l === `  name: ${name}`);
  return idx < 0 ? Infinity : idx + 1;
}

function nextPolicyLine(yaml: string, policies: readonly ConvertedPolicy[], name: string): number {
  const start = yamlLineOf(yaml, name);
  const after = policies.map((p) => yamlLineOf(yaml, p.name)).filter((l) => l > start);
  return after.length ? Math.min(...after) : Infinity;
}

/** Tollgate policies as multi-document YAML, each preceded by a comment naming its origin. */
export function renderPolicies(policies: readonly ConvertedPolicy[]): string {
  return policies
    .map((p) => {
      const doc = new Document({ apiVersion: API_VERSION, kind: KIND, metadata: { name: p.name }, spec: p.spec });
      doc.commentBefore = [` Translated from ${p.origin}`, ...(p.untranslated ?? []).map((u, i) => `${i === 0 ? ' Not translated:\n' : ''}   ${u.replace(/\n/g, ' ')}`)].join('\n');
      // Long PEM blocks and identities read better as block scalars than as folded strings.
      return doc.toString({ lineWidth: 0, blockQuote: 'literal' });
    })
    .map((s, i) => (i === 0 ? s : `---\n${s}`))
    .join('');
}

export type { ConversionNote, ConvertedPolicy } from './notes.js';
