import { SmppCodecError } from '../../src/pdu/codec-error.js';

/** The SmppCodecError `run` throws; any other error is rethrown, and not throwing is an error. */
export function codecErrorOf(run: () => unknown): SmppCodecError {
  try {
    run();
  } catch (err) {
    if (err instanceof SmppCodecError) return err;
    throw err;
  }
  throw new Error('the codec did not throw');
}
