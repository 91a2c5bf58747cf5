import { UsageError } from '../../core/index.js';

/**
 * The OIDC identity token Fulcio exchanges for a certificate (cosign --identity-token, SIGSTORE_ID_TOKEN). Tollgate
 * does not verify the token (Fulcio does, against the issuer's keys); it reads the claims it needs to ask for the
 * certificate and to tell the user whom it will name, and rejects what Fulcio would reject for being malformed.
 * No message ever contains the token: it is a bearer credential.
 */
export interface IdentityToken {
  /** The compact JWS as given (never printed). */
  readonly token: string;
  /** The `iss` claim: Fulcio writes it into the certificate's issuer extension. */
  readonly issuer: string;
  /**
   * The identity Fulcio binds to the key and that the proof of possession signs: the `email` claim when there is
   * one (it must be verified), else `sub` (sigstore-js util/oidc extractJWTSubject, Fulcio's challenge check).
   */
  readonly subject: string;
  /** `exp`, when present. */
  readonly expiresAt?: Date;
}

type Claims = Record<string, unknown>;

function decodeSegment(segment: string, what: string, where: string): Claims {
  // RFC 7515 §2: base64url without padding.
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw malformed(where, `its ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed(where, `its ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(where, `its ${what} is not a JSON object`);
  return value as Claims;
}

function malformed(where: string, detail: string): UsageError {
  return new UsageError('INVALID_ARGUMENT', `the identity token from ${where} is not a usable OIDC token: ${detail}`);
}

/**
 * Reads the claims of a compact-serialized JWT (RFC 7519 §7.2: header.payload.signature). `where` names where the
 * token came from ("--identity-token", "SIGSTORE_ID_TOKEN") for messages.
 */
export function parseIdentityToken(token: string, where: string): IdentityToken {
  const text = token.trim();
  if (text === '') throw malformed(where, 'it is empty');
  const parts = text.split('.');
  if (parts.length !== 3) throw malformed(where, `a JWT has 3 dot-separated parts, this has ${parts.length}`);
  const header = decodeSegment(parts[0]!, 'header', where);
  const claims = decodeSegment(parts[1]!, 'payload', where);
  if (typeof header.alg !== 'string' || header.alg === 'none') throw malformed(where, 'it is not signed (header "alg")');
  if (parts[2] === '') throw malformed(where, 'it has no signature');
  const iss = claims.iss;
  if (typeof iss !== 'string' || iss === '') throw malformed(where, 'it has no "iss" (issuer) claim');
  let subject: string;
  if (claims.email !== undefined) {
    if (typeof claims.email !== 'string' || claims.email === '') throw malformed(where, 'its "email" claim is not a string');
    // Fulcio issues email certificates only for verified addresses.
    if (claims.email_verified !== true) throw malformed(where, `its email ${claims.email} is not verified by the issuer ("email_verified")`);
    subject = claims.email;
  } else if (typeof claims.sub === 'string' && claims.sub !== '') {
    subject = claims.sub;
  } else {
    throw malformed(where, 'it has neither an "email" nor a "sub" claim');
  }
  const out: { -readonly [K in keyof IdentityToken]: IdentityToken[K] } = { token: text, issuer: iss, subject };
  if (typeof claims.exp === 'number') out.expiresAt = new Date(claims.exp * 1000);
  return out;
}
