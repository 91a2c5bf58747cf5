import { TollgateError } from '../core/index.js';

/**
 * A request the webhook cannot answer with a decision: not JSON, not an AdmissionReview, or one without the `uid` a
 * response must echo (kube-apiserver never sends such a thing; something else is talking to the webhook). The server
 * answers these with HTTP 400 and a JSON error body; everything with a `uid` gets an AdmissionReview response.
 */
export type AdmissionErrorCode = 'MALFORMED_JSON' | 'MALFORMED_REVIEW' | 'UNSUPPORTED_VERSION' | 'BODY_TOO_LARGE' | 'WRONG_CONTENT_TYPE';

export class AdmissionError extends TollgateError {
  readonly domain = 'admission';
  constructor(
    readonly code: AdmissionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
