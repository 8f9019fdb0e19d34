import type { PartitionOffset, PartitionOffsets, StartPosition } from '../bus.js';
import { KafkaBusError } from './errors.js';

/** Rejects positions no broker could honour (negative or fractional offsets, NaN times). */
export function validateStartPosition(to: StartPosition, ctx: { topic: string; partition?: number }): void {
  if (to === 'earliest' || to === 'latest') return;
  if (typeof to === 'object' && to !== null) {
    if ('offset' in to && Number.isSafeInteger(to.offset) && to.offset >= 0) return;
    if ('timestampMs' in to && Number.isFinite(to.timestampMs)) return;
  }
  throw new KafkaBusError(`invalid start position ${JSON.stringify(to)}`, {
    code: 'invalid_argument',
    ...ctx,
    retryable: false,
  });
}

const clamp = (o: number, b: PartitionOffsets): number => Math.min(Math.max(o, b.low), b.high);

/**
 * The offset a position means on one partition. Offsets outside the retained range are clamped
 * into it; a timestamp lookup the broker could not answer (-1, missing) means "no record at or
 * after that time", which is the high watermark.
 */
export function resolveStartOffset(
  to: StartPosition,
  bounds: PartitionOffsets,
  timestampOffset?: number,
): number {
  if (to === 'earliest') return bounds.low;
  if (to === 'latest') return bounds.high;
  if ('offset' in to) return clamp(to.offset, bounds);
  if (timestampOffset === undefined || !Number.isFinite(timestampOffset) || timestampOffset < 0) {
    return bounds.high;
  }
  return clamp(timestampOffset, bounds);
}

/**
 * Maps a ListOffsets-by-time answer (kafkajs strings, -1 when the broker found nothing) onto the
 * topic's partitions: one entry per partition of `bounds`, in partition order.
 */
export function mapTimestampLookup(
  lookup: ReadonlyArray<{ readonly partition: number; readonly offset: string | number }>,
  bounds: readonly PartitionOffsets[],
): PartitionOffset[] {
  const found = new Map<number, number>();
  for (const { partition, offset } of lookup) found.set(partition, Number(offset));
  return [...bounds]
    .sort((a, b) => a.partition - b.partition)
    .map((b) => ({
      partition: b.partition,
      offset: resolveStartOffset({ timestampMs: 0 }, b, found.get(b.partition)),
    }));
}
