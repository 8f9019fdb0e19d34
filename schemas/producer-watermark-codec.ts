import { SingleObjectCodec, loadSchema } from './codec.js';

/**
 * A producer's promise to one partition of a samples topic (producer-watermark.v1.avsc): nothing
 * older than `watermarkMs` will follow from `producer` on that partition. While `idle`, the
 * promise moves on with the clock (`now - lagMs`) until the producer's next record.
 */
export interface ProducerWatermark {
  readonly producer: string;
  readonly source: string;
  readonly watermarkMs: number;
  readonly lagMs: number;
  readonly idle: boolean;
}

const codec = new SingleObjectCodec<ProducerWatermark>(loadSchema('producer-watermark.v1.avsc'));

export function encodeProducerWatermark(w: ProducerWatermark): Buffer {
  return codec.encode(w);
}

export function decodeProducerWatermark(bytes: Buffer): ProducerWatermark {
  const { producer, source, watermarkMs, lagMs, idle } = codec.decode(bytes);
  return { producer, source, watermarkMs, lagMs, idle };
}

/** Whether a samples-topic record is a producer watermark (its header names the schema). */
export function isProducerWatermark(bytes: Buffer): boolean {
  return bytes.length >= codec.header.length && codec.header.equals(bytes.subarray(0, codec.header.length));
}
