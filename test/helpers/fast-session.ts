import type { SessionConfigInput } from '../../src/session/config.js';

/**
 * Session timings, in seconds, short enough for tests against the simulator on 127.0.0.1:
 * no enquire_link unless a test asks for it, and no jitter, so that back-off is exact.
 */
export const FAST_SESSION = {
  host: '127.0.0.1',
  smpp_connect_timeout: 1,
  smpp_bind_timeout: 1,
  smpp_enquire_link_interval: 60,
  smpp_unbind_timeout: 0.3,
  smpp_response_timeout: 5,
  reconnect_delay_initial: 0.2,
  reconnect_jitter: 0,
} satisfies SessionConfigInput;
