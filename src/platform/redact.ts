// Secrets travel in some URLs (a password reset link, a signature or change confirmation link: `?token=…`), and a
// URL is what every request log line carries. This is the one place they are taken out before anything is logged.

/** Query parameters whose value is a secret, whatever it looks like. */
const secretNames = /^(token|_csrf|csrf|code|password|secret|key|api_?key|access_token|signature)$/i;
/** Values that look like a secret of ours wherever they are: an API token, or a 32-byte base64url random token. */
const secretValue = /^(cw_[A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{43})$/;

const hidden = '[redacted]';

/** The URL (path and query, as a request has it) with every secret replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const redactedPath = path.split('/').map((segment) => (secretValue.test(safeDecode(segment)) ? hidden : segment)).join('/');
  if (q === -1) return redactedPath;
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq === -1) return pair;
    const name = safeDecode(pair.slice(0, eq));
    const value = safeDecode(pair.slice(eq + 1));
    return secretNames.test(name) || secretValue.test(value) ? `${pair.slice(0, eq)}=${hidden}` : pair;
  }).join('&');
  return `${redactedPath}?${query}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
