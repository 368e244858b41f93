/**
 * Masking the secret in a URL before it reaches a log line or an error: the AMQP bus's and the
 * Redis connection's `safeUrl`, and the URLs of a config (amqp_url, redis.url, sentry_dsn).
 */

/**
 * The URL with its secret replaced by `***`: the password, or, when there is none, the user name
 * (a Sentry DSN's key, a Redis URL written `redis://secret@host`). An empty URL (a setting left
 * unset) stays empty. `what` names the URL when it cannot be parsed: then none of it is shown,
 * as a secret may be anywhere in it.
 */
export function redactUrl(url: string, what: string): string {
  if (url === '') return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `<unparseable ${what} URL>`;
  }
  if (parsed.password !== '') parsed.password = '***';
  else if (parsed.username !== '') parsed.username = '***';
  else return url;
  return parsed.toString();
}
