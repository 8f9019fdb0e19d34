import type { Registry } from 'prom-client';
import type { ReplayProgress } from '../../pipeline/alert/replay/index.js';
import { registeredCounter, registeredGauge } from '../../schemas/registered-metrics.js';

/**
 * A rule replay's progress on `/metrics` (`tidemark replay --listen`), beside the
 * `tidemark_import_*` of the import endpoints: evaluations done of the total as gauges (a replay
 * that stalls shows as a done count and a timestamp that stop moving), samples and alert state
 * changes as counters.
 */
export class ReplayMetrics {
  private readonly done;
  private readonly total;
  private readonly samplesRead;
  private readonly samplesWritten;
  private readonly alertEvents;
  private readonly lastProgress;
  private readonly finished;
  private seen = { samplesRead: 0, samplesWritten: 0, alertEvents: 0 };

  constructor(registry: Registry) {
    this.done = registeredGauge(registry, 'tidemark_replay_evaluations_done', 'Rule evaluations the replay has done.');
    this.total = registeredGauge(registry, 'tidemark_replay_evaluations_total', 'Rule evaluations the replay does in all (rules x instants of the range).');
    this.samplesRead = registeredCounter(registry, 'tidemark_replay_samples_read_total', 'Samples the replay read from range query answers.');
    this.samplesWritten = registeredCounter(registry, 'tidemark_replay_samples_written_total', 'Samples the replay wrote (recorded series, ALERTS, ALERTS_FOR_STATE; staleness markers not counted), or would write in a dry run.');
    this.alertEvents = registeredCounter(registry, 'tidemark_replay_alert_events_total', 'Alert state changes the replay computed (written to the alerts topic, marked replayed, when it writes to the bus).');
    this.lastProgress = registeredGauge(registry, 'tidemark_replay_last_progress_timestamp_seconds', 'When the replay last finished a chunk of evaluations.');
    this.finished = registeredGauge(registry, 'tidemark_replay_finished', '1 once the replay has evaluated every instant.');
  }

  start(total: number): void {
    this.total.set(total);
    this.done.set(0);
    this.finished.set(0);
  }

  progress(p: ReplayProgress): void {
    this.done.set(p.done);
    this.total.set(p.total);
    this.samplesRead.inc(p.samplesRead - this.seen.samplesRead);
    this.samplesWritten.inc(p.samplesWritten - this.seen.samplesWritten);
    this.alertEvents.inc(p.alertEvents - this.seen.alertEvents);
    this.seen = { samplesRead: p.samplesRead, samplesWritten: p.samplesWritten, alertEvents: p.alertEvents };
    this.lastProgress.set(Date.now() / 1000);
    if (p.done >= p.total) this.finished.set(1);
  }
}
