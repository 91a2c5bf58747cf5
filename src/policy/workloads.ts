import type { ContainerKind } from '../core/index.js';

/**
 * The images of a Kubernetes object: a Pod's containers, initContainers and ephemeralContainers, and the pod template
 * of the workload kinds that carry one (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController,
 * PodTemplate: `spec.template.spec`; CronJob: `spec.jobTemplate.spec.template.spec`). Each image comes with the
 * JSON Pointer (RFC 6901) of its `image` field, which the webhook's JSON Patch needs.
 */
export interface WorkloadImage {
  ref: string;
  container: string;
  kind: ContainerKind;
  /** e.g. `/spec/template/spec/containers/0/image`. */
  pointer: string;
}

export interface WorkloadImages {
  /** False for kinds that hold no pod spec (ConfigMap, Role, …). */
  supported: boolean;
  images: WorkloadImage[];
  /** Problems with the object's shape (an entry without an image, a non-list `containers`). */
  problems: string[];
}

const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

const LISTS: readonly [string, ContainerKind][] = [
  ['initContainers', 'initContainer'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeralContainer'],
];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The path of the pod spec for a kind, or undefined when the kind carries none. */
export function podSpecPath(kind: string): readonly string[] | undefined {
  return POD_SPEC_PATHS[kind];
}

/** Images of a pod spec found at `pointerBase` (e.g. `/spec`). */
export function podSpecImages(spec: unknown, pointerBase: string): { images: WorkloadImage[]; problems: string[] } {
  const images: WorkloadImage[] = [];
  const problems: string[] = [];
  if (!isObject(spec)) return { images, problems: spec === undefined ? ['no pod spec'] : ['the pod spec is not an object'] };
  for (const [field, kind] of LISTS) {
    const list = spec[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems.push(`${pointerBase}/${field} is not a list`);
      continue;
    }
    list.forEach((c, i) => {
      const name = isObject(c) && typeof c.name === 'string' ? c.name : `#${i}`;
      if (!isObject(c) || typeof c.image !== 'string' || c.image.trim() === '') {
        problems.push(`${field}[${i}] (${name}) has no image`);
        return;
      }
      images.push({ ref: c.image, container: name, kind, pointer: `${pointerBase}/${field}/${i}/image` });
    });
  }
  return { images, problems };
}

export function workloadImages(object: unknown): WorkloadImages {
  if (!isObject(object) || typeof object.kind !== 'string') return { supported: false, images: [], problems: ['not a Kubernetes object (no kind)'] };
  const path = POD_SPEC_PATHS[object.kind];
  if (!path) return { supported: false, images: [], problems: [] };
  let node: unknown = object;
  for (const p of path) node = isObject(node) ? node[p] : undefined;
  const r = podSpecImages(node, `/${path.join('/')}`);
  return { supported: true, ...r };
}
