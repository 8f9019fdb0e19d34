import { SingleObjectCodec, loadSchema } from './codec.js';

/** A record that a consumer could not decode or process (dead-letter.v1.avsc). */
export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly group: string;
  readonly reason: string;
  readonly deadLetteredAtMs: number;
  readonly originalTimestampMs: number;
  readonly originalKey: Buffer | null;
  readonly originalValue: Buffer;
}

const codec = new SingleObjectCodec<DeadLetter>(loadSchema('dead-letter.v1.avsc'));

export function encodeDeadLetter(d: DeadLetter): Buffer {
  return codec.encode(d);
}

export function decodeDeadLetter(bytes: Buffer): DeadLetter {
  return codec.decode(bytes);
}
