import type { Node } from 'yaml';
import type { PolicyIssue } from '../core/index.js';
import { workloadImages, type WorkloadImage } from './workloads.js';
import { readYamlDocuments } from './yaml-reader.js';

/**
 * Kubernetes manifests as `kubectl apply`, Helm and kustomize produce them: multi-document YAML (or JSON), `kind:
 * List` wrappers included. Each object keeps the line it starts at and the line of each image, for reports.
 */
export interface ManifestObject {
  file: string;
  line: number;
  object: Record<string, unknown>;
  kind: string;
  name: string;
  namespace?: string;
  /** False for kinds without a pod spec (they are listed, not evaluated). */
  supported: boolean;
  images: WorkloadImage[];
  imageLines: Record<string, number>;
  problems: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function readManifests(file: string, text: string): { objects: ManifestObject[]; issues: PolicyIssue[] } {
  const read = readYamlDocuments(file, text);
  const objects: ManifestObject[] = [];
  for (const d of read.documents) {
    const root = d.doc.toJS() as unknown;
    const entries: { obj: unknown; prefix: (string | number)[] }[] = [];
    if (isObject(root) && root.kind === 'List' && Array.isArray(root.items)) root.items.forEach((it, i) => entries.push({ obj: it, prefix: ['items', i] }));
    else entries.push({ obj: root, prefix: [] });
    for (const { obj, prefix } of entries) {
      if (!isObject(obj)) {
        read.issues.push({ file, line: d.line, column: 1, path: prefix.join('.'), message: 'not a Kubernetes object' });
        continue;
      }
      const lineOf = (path: (string | number)[]): number | undefined => {
        const n = d.doc.getIn([...prefix, ...path], true) as Node | undefined;
        return n?.range ? d.lineCounter.linePos(n.range[0]).line : undefined;
      };
      const meta = isObject(obj.metadata) ? obj.metadata : {};
      const w = workloadImages(obj);
      const imageLines: Record<string, number> = {};
      for (const img of w.images) {
        const path = img.pointer.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        const l = lineOf(path);
        if (l !== undefined) imageLines[`${img.kind}/${img.container}`] = l;
      }
      objects.push({
        file,
        line: (prefix.length ? lineOf([]) : undefined) ?? d.line,
        object: obj,
        kind: typeof obj.kind === 'string' ? obj.kind : '',
        name: typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '',
        ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
        supported: w.supported,
        images: w.images,
        imageLines,
        problems: w.problems,
      });
    }
  }
  return { objects, issues: read.issues };
}
