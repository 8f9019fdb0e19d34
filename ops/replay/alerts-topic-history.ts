import { alertEventOf, encodeAlertEvent, REPLAYED_HEADER, type AlertEvent } from '../../pipeline/alert/rules/alert-event.js';
import type { Bus } from '../../pipeline/bus/bus.js';
import { SeriesPartitioner } from '../../schemas/series-partitioner.js';
import type { ReplayedAlertHistory } from './replayed-alert-history.js';

/**
 * Appends alert state changes to the alerts topic as the live evaluator writes its own (same
 * AlertEvent records, placed by the alert's label hash), each with the REPLAYED_HEADER naming the
 * replay run, so readers of the history tell them from live ones. Used by `tidemark replay
 * --kafka` and by the endpoint that takes a replay's changes into a running Tidemark.
 */
export class AlertsTopicHistory {
  private constructor(
    private readonly bus: Bus,
    readonly topic: string,
    private readonly partitioner: SeriesPartitioner,
  ) {}

  /** Opens the topic (created with one partition when missing, as the pipeline's topics are). */
  static async open(bus: Bus, topic: string): Promise<AlertsTopicHistory> {
    const partitions = await bus.ensureTopic(topic, 1);
    return new AlertsTopicHistory(bus, topic, new SeriesPartitioner(partitions));
  }

  async append(runId: string, events: readonly AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    const run = Buffer.from(runId);
    await this.bus.produce(
      this.topic,
      events.map((e) => ({
        partition: this.partitioner.partitionOf(e.labels),
        timestampMs: e.at,
        value: encodeAlertEvent(e),
        headers: { [REPLAYED_HEADER]: run },
      })),
    );
  }

  /** The history of one replay run, written straight to the topic. */
  forRun(runId: string): ReplayedAlertHistory {
    return {
      write: (group, transitions) => this.append(runId, transitions.map((t) => alertEventOf(group, t))),
      finish: async () => {},
    };
  }
}
