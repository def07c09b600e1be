/**
 * Burrow's one scrubber of free text (error messages, HTTP bodies, log lines): see redactSecrets.
 * Pure and browser-safe; the error translator (src/broker/describe.ts) and describeForUser
 * (src/broker/errors.ts) use it.
 */
import { redactUri } from './uri';

/** Secrets shorter than this are not redacted (a 1–2 character "secret" would shred every message). */
const MIN_SECRET_LENGTH = 3;

/** The userinfo percent-encode set of the URL standard (what `new URL` escapes in a user name or password). */
const USERINFO_ESCAPED = new Set(' "#<>?`{}/:;=@[\\]^|');

/** A secret as the URL standard writes it in a URI's userinfo (differs from encodeURIComponent: `$&+,!` stay). */
function userinfoEncoded(secret: string): string {
  let out = '';
  for (const ch of secret) {
    const c = ch.codePointAt(0)!;
    if (c <= 0x1f || c >= 0x7f || USERINFO_ESCAPED.has(ch))
      out += Array.from(new TextEncoder().encode(ch), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(
        '',
      );
    else out += ch;
  }
  return out;
}

/** The forms a secret takes in text: as is, percent-encoded (encodeURIComponent), in a URL's userinfo. */
function secretForms(secret: string): string[] {
  const forms = [secret];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // a lone surrogate has no percent-encoded form
  }
  forms.push(userinfoEncoded(secret));
  return [...new Set(forms)];
}

/**
 * Burrow's one scrubber. Removes credentials from free text: every occurrence of each secret
 * (as is, percent-encoded, and as a URL's userinfo writes it), the password part of `scheme://user:pass@host` URIs, Authorization
 * header values (`Basic …`, `Bearer …`) and `password=...` style pairs.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const sorted = secrets
    .filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const form of sorted.flatMap(secretForms).sort((a, b) => b.length - a.length)) {
    out = out.split(form).join('***');
  }
  // amqp://user:pass@host, https://user:pass@host ...: each URI-like token goes through redactUri,
  // which hides everything up to the token's last '@' when the URI is not well formed (an
  // unencoded '@', '/', '?' or '#' in the password does not leave its tail behind).
  out = out.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, (uri) => redactUri(uri));
  // Authorization: Basic dXNlcjpwYXNz / Bearer <token>, in any text (an echoed request, a proxy's error page)
  out = out.replace(/\b(Basic|Bearer)(\s+)[A-Za-z0-9+/=._~-]+/g, '$1$2***');
  out = out.replace(/(\b(?:proxy-)?authorization\b["']?\s*[:=]\s*["']?)([^"'\r\n,;}]+)/gi, '$1***');
  // password=..., "password":"..."
  // (a quoted value is taken whole when its closing quote ends it, otherwise up to a delimiter: a
  // password that starts with a quote is still hidden)
  out = out.replace(
    /(\b(?:password|passwd|pwd|pass)\b["']?\s*[:=]\s*)("[^"\r\n]*"(?=[\s,;}&]|$)|'[^'\r\n]*'(?=[\s,;}&]|$)|[^\s&,;}]+)/gi,
    '$1***',
  );
  return out;
}
