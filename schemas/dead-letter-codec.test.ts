import { expect, it } from 'vitest';
import { decodeDeadLetter, encodeDeadLetter } from './dead-letter-codec.js';

it('round-trips a dead letter with its original bytes, origin and reason', () => {
  const d = {
    topic: 'tidemark.samples',
    partition: 3,
    offset: 1234567,
    group: 'store',
    reason: 'not Avro single-object encoding',
    deadLetteredAtMs: 1_700_000_000_123,
    originalTimestampMs: 1_700_000_000_000,
    originalKey: null,
    originalValue: Buffer.from([1, 2, 3]),
  };
  const back = decodeDeadLetter(encodeDeadLetter(d));
  expect(back).toEqual(d);
});
