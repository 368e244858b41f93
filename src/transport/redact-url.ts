/**
 * Masking the password in a broker's URL before it reaches a log line or an error. The AMQP bus
 * and the Redis connection both keep such a `safeUrl`.
 */

/** The URL with its password (if any) replaced by `***`; `what` names the URL when it cannot be parsed. */
export function redactUrlPassword(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // An unparseable URL may still hold a secret anywhere in it: show none of it.
    return `<unparseable ${what} URL>`;
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
