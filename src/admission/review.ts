import { AdmissionError } from './errors.js';

/**
 * AdmissionReview `admission.k8s.io/v1` (and the older `v1beta1`, which has the same shape), as kube-apiserver sends
 * it to a webhook (k8s.io/api admission/v1 types.go). Validated at the boundary (DESIGN.md §3.9): what a decision
 * needs is checked here, once; the objects under review are kept as plain JSON for the workload readers.
 */
export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource?: GroupVersionResource;
  /** e.g. `ephemeralcontainers` for `pods/ephemeralcontainers` (kubectl debug), `status`, `scale`. */
  subResource?: string;
  name?: string;
  namespace?: string;
  /** CREATE, UPDATE, DELETE, CONNECT; anything else is passed through as written and admitted untouched. */
  operation: string;
  dryRun: boolean;
  object?: unknown;
  oldObject?: unknown;
  userInfo?: { username?: string };
}

export interface AdmissionReview {
  apiVersion: AdmissionApiVersion;
  request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  /** metav1.Status: for a denial, `code` 403 and the message the user sees (kubectl prints it). */
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  /** base64 of the RFC 6902 patch. */
  patch?: string;
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionApiVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function malformed(message: string): AdmissionError {
  return new AdmissionError('MALFORMED_REVIEW', `not a valid AdmissionReview: ${message}`);
}

function optionalString(r: Record<string, unknown>, field: string): string | undefined {
  const v = r[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw malformed(`request.${field} is ${typeof v}, not a string`);
  return v;
}

function readGvk(v: unknown, field: string): GroupVersionKind {
  if (!isObject(v)) throw malformed(`request.${field} is missing (it names the object's group, version and kind)`);
  const { group, version, kind } = v;
  if (typeof kind !== 'string' || kind === '') throw malformed(`request.${field}.kind is missing`);
  if (group !== undefined && typeof group !== 'string') throw malformed(`request.${field}.group is not a string`);
  if (version !== undefined && typeof version !== 'string') throw malformed(`request.${field}.version is not a string`);
  return { group: group ?? '', version: version ?? '', kind };
}

/** Parses and checks an AdmissionReview body; throws AdmissionError (HTTP 400) when no answer can be built from it. */
export function parseAdmissionReview(body: Buffer | string): AdmissionReview {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (e) {
    throw new AdmissionError('MALFORMED_JSON', `the request body is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(json)) throw malformed(`expected a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  const { apiVersion, kind, request } = json;
  if (kind !== 'AdmissionReview') throw malformed(`kind is ${JSON.stringify(kind)}, not "AdmissionReview"`);
  if (typeof apiVersion !== 'string' || !(ADMISSION_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new AdmissionError('UNSUPPORTED_VERSION', `AdmissionReview apiVersion ${JSON.stringify(apiVersion)} is not supported (${ADMISSION_API_VERSIONS.join(' or ')})`);
  }
  if (!isObject(request)) throw malformed(request === undefined || request === null ? 'it has no request' : 'request is not an object');
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '') throw malformed('request.uid is missing (a response must echo it)');
  const operation = request.operation;
  if (typeof operation !== 'string' || operation === '') throw malformed('request.operation is missing');
  const gvk = readGvk(request.kind, 'kind');
  let resource: GroupVersionResource | undefined;
  if (isObject(request.resource) && typeof request.resource.resource === 'string') {
    resource = {
      group: typeof request.resource.group === 'string' ? request.resource.group : '',
      version: typeof request.resource.version === 'string' ? request.resource.version : '',
      resource: request.resource.resource,
    };
  }
  const dryRun = request.dryRun;
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') throw malformed('request.dryRun is not a boolean');
  const subResource = optionalString(request, 'subResource');
  const name = optionalString(request, 'name');
  const namespace = optionalString(request, 'namespace');
  const userInfo = isObject(request.userInfo) && typeof request.userInfo.username === 'string' ? { username: request.userInfo.username } : undefined;
  return {
    apiVersion: apiVersion as AdmissionApiVersion,
    request: {
      uid,
      kind: gvk,
      ...(resource ? { resource } : {}),
      ...(subResource ? { subResource } : {}),
      ...(name ? { name } : {}),
      ...(namespace ? { namespace } : {}),
      operation,
      dryRun: dryRun === true,
      ...(request.object !== undefined && request.object !== null ? { object: request.object } : {}),
      ...(request.oldObject !== undefined && request.oldObject !== null ? { oldObject: request.oldObject } : {}),
      ...(userInfo ? { userInfo } : {}),
    },
  };
}

/** The response document: apiVersion and kind of the request, its uid. */
export function reviewResponse(review: Pick<AdmissionReview, 'apiVersion'>, response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response };
}

/** kube-apiserver truncates warnings (k8s.io/apiserver pkg/warning: 120 characters each, 4 KiB in all). */
export const MAX_WARNING_LENGTH = 120;
export const MAX_WARNINGS = 4;

/**
 * Warnings as kubectl will show them: each shorter than 120 characters (cut at a word with "…"), at most four, the
 * last one saying how many more there were (the audit log has them all).
 */
export function shortWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings.map((w) => w.replace(/\s+/g, ' ').trim()).filter((w) => w !== ''))];
  const cut = (w: string): string => {
    if (w.length < MAX_WARNING_LENGTH) return w;
    const room = MAX_WARNING_LENGTH - 2;
    const head = w.slice(0, room);
    const space = head.lastIndexOf(' ');
    return `${space > room - 30 ? head.slice(0, space) : head}…`;
  };
  if (unique.length <= MAX_WARNINGS) return unique.map(cut);
  const shown = unique.slice(0, MAX_WARNINGS - 1).map(cut);
  shown.push(`tollgate: ${unique.length - shown.length} more warning(s), see the audit log`);
  return shown;
}
