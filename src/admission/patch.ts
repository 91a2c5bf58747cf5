/**
 * JSON Patch (RFC 6902) that pins admitted images to the digest they were verified at, so that what runs is what was
 * verified: each `image` field is tested against the reference it held (RFC 6902 §4.6: the patch fails rather than
 * overwrite something else) and replaced with `name:tag@sha256:…`.
 */
export type JsonPatchOperation = { op: 'test'; path: string; value: string } | { op: 'replace'; path: string; value: string };

export interface ImagePin {
  /** JSON Pointer (RFC 6901) of the `image` field. */
  pointer: string;
  from: string;
  to: string;
}

export function pinPatch(pins: readonly ImagePin[]): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  for (const p of pins) {
    if (p.from === p.to) continue;
    ops.push({ op: 'test', path: p.pointer, value: p.from }, { op: 'replace', path: p.pointer, value: p.to });
  }
  return ops;
}

/** The `patch` field of an AdmissionResponse: base64 of the JSON patch document. */
export function encodePatch(ops: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(ops), 'utf8').toString('base64');
}
