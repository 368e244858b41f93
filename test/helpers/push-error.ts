import { expect } from 'vitest';
import { SmppCodecError } from '../../src/index.js';
import type { FrameReader } from '../../src/index.js';

/** The SmppCodecError that pushing `chunk` into `reader` throws; fails the test when there is none. */
export function pushError(reader: FrameReader, chunk: Buffer): SmppCodecError {
  let caught: unknown;
  try {
    reader.push(chunk);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SmppCodecError);
  return caught as SmppCodecError;
}
