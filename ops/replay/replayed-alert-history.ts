import { alertEventOf, encodeAlertEvent, REPLAYED_HEADER, type AlertTransition, type LoadedGroup } from '../../pipeline/alert/rules/index.js';
import type { Bus } from '../../pipeline/bus/bus.js';
import { SeriesPartitioner } from '../../schemas/series-partitioner.js';

/**
 * Writes the alert state changes a rule replay computes to the alerts topic, as the live evaluator
 * writes its own (same AlertEvent records, placed by the alert's label hash), each with the
 * REPLAYED_HEADER naming the replay run, so readers of the history tell them from live ones.
 */
export class ReplayedAlertHistory {
  private readonly runId: Buffer;

  private constructor(
    private readonly bus: Bus,
    private readonly topic: string,
    private readonly partitioner: SeriesPartitioner,
    runId: string,
  ) {
    this.runId = Buffer.from(runId);
  }

  /** Opens the topic (created with one partition when missing, as the pipeline's topics are). */
  static async open(bus: Bus, topic: string, runId: string): Promise<ReplayedAlertHistory> {
    const partitions = await bus.ensureTopic(topic, 1);
    return new ReplayedAlertHistory(bus, topic, new SeriesPartitioner(partitions), runId);
  }

  async write(group: LoadedGroup, transitions: readonly AlertTransition[]): Promise<void> {
    if (transitions.length === 0) return;
    await this.bus.produce(
      this.topic,
      transitions.map((t) => ({
        partition: this.partitioner.partitionOf(t.alert.labels),
        timestampMs: t.at,
        value: encodeAlertEvent(alertEventOf(group, t)),
        headers: { [REPLAYED_HEADER]: this.runId },
      })),
    );
  }
}
