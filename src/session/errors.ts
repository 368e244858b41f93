/**
 * How a request can end other than with a response. The distinction matters to a caller:
 * a lost connection means the SMSC may or may not have the message (it was written, never
 * answered) and the request should be handed back; a timeout likewise leaves the outcome unknown,
 * which is not the same as a failure (resending may duplicate the SMS).
 */

/** The connection went before the response came: the request is handed back to its sender. */
export class ConnectionLostError extends Error {
  constructor(readonly reason: string) {
    super(`connection lost: ${reason}`);
    this.name = 'ConnectionLostError';
  }
}

/** No response within the response timeout: the SMSC may or may not have acted on the request. */
export class ResponseTimeoutError extends Error {
  readonly outcome = 'unknown' as const;
  constructor(
    readonly command: string,
    readonly sequence_number: number,
    readonly timeoutMs: number,
  ) {
    super(`no response to ${command} (sequence ${sequence_number}) within ${timeoutMs} ms: outcome unknown`);
    this.name = 'ResponseTimeoutError';
  }
}

/** A request that needs a bound session (of a type that allows it) was made while there is none. */
export class NotBoundError extends Error {
  constructor(
    readonly command: string,
    readonly bindType?: string,
  ) {
    super(
      bindType === undefined
        ? `cannot send ${command}: the session is not bound`
        : `cannot send ${command} on a ${bindType} bind`,
    );
    this.name = 'NotBoundError';
  }
}
