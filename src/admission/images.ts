import { podSpecImages, podSpecPath, workloadImages, type WorkloadImage } from '../policy/index.js';

/**
 * The images an admission request is about. The kind comes from the request (`request.kind`, what the API server
 * decoded), not from the object: an object that does not say its kind is still read as what it was sent as.
 */
export interface RequestImages {
  /** False for kinds that carry no pod spec (Role, ConfigMap, Scale, …): those are admitted untouched. */
  supported: boolean;
  images: WorkloadImage[];
  /** Why the object could not be read (no pod spec, a container without an image). */
  problems: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function objectImages(kind: string, object: unknown): RequestImages {
  // Kubernetes 1.16–1.21 sent `pods/ephemeralcontainers` as kind EphemeralContainers, the list at the top level.
  if (kind === 'EphemeralContainers') {
    if (!isObject(object)) return { supported: true, images: [], problems: ['the object is missing'] };
    return { supported: true, ...podSpecImages(object, '') };
  }
  if (!podSpecPath(kind)) return { supported: false, images: [], problems: [] };
  if (!isObject(object)) return { supported: true, images: [], problems: ['the object is missing'] };
  const r = workloadImages({ ...object, kind });
  return { supported: true, images: r.images, problems: r.problems };
}

/** The pod spec of an object (a Pod's `spec`, a workload's pod template spec); undefined for other shapes. */
export function objectPodSpec(kind: string, object: unknown): unknown {
  const path = podSpecPath(kind);
  if (!path) return undefined;
  let node: unknown = object;
  for (const p of path) node = isObject(node) ? node[p] : undefined;
  return node;
}

const identity = (i: WorkloadImage) => `${i.kind}\u0000${i.container}\u0000${i.ref}`;

/**
 * The images of an UPDATE that need a decision: those that no container of the same kind and name ran before. An
 * update that changes no image (a scale, a label, a finalizer removed during deletion) has none.
 */
export function changedImages(current: readonly WorkloadImage[], previous: readonly WorkloadImage[]): WorkloadImage[] {
  const before = new Set(previous.map(identity));
  return current.filter((i) => !before.has(identity(i)));
}
