import type { Registry } from 'prom-client';
import { InvalidPushError, PushEdge, SinkUnavailableError, type EdgeAuthConfig, type EdgeLimitsConfig, type HttpHandler } from '../../connectors/http-edge/index.js';
import type { Bus } from '../../pipeline/bus/bus.js';
import { AlertsTopicHistory } from '../replay/alerts-topic-history.js';
import { parseReplayedAlertEvents, REPLAYED_ALERT_HISTORY_PATH, ReplayedAlertEventsError } from '../replay/replayed-alert-events-body.js';
import type { BusService } from './bus-service.js';
import type { RoleContext } from './run-role.js';

export interface ReplayedAlertHistorySettings {
  /** The role's bus, once started. */
  readonly bus: () => Bus;
  readonly topic: string;
  readonly registry: Registry;
  readonly auth?: EdgeAuthConfig;
  readonly limits?: EdgeLimitsConfig;
}

/**
 * `POST /api/v1/alert_history/replayed`: appends the alert state changes a `tidemark replay`
 * computed to the alerts topic, each record marked replayed with the run the body names. A
 * replay reaches a running `tidemark up` this way: its embedded bus is locked by the process.
 * The records are history only: nothing that notifies reads them.
 */
export function replayedAlertHistoryHandler(s: ReplayedAlertHistorySettings): HttpHandler {
  const edge = new PushEdge({ connector: 'alert_history', registry: s.registry, auth: s.auth, limits: s.limits });
  let topic: Promise<AlertsTopicHistory> | undefined;
  return edge.handler(['POST'], async ({ body }) => {
    let parsed;
    try {
      parsed = parseReplayedAlertEvents(body.toString('utf8'));
    } catch (err) {
      if (err instanceof ReplayedAlertEventsError) throw new InvalidPushError(`replayed alert history: ${err.message}`, 'invalid_alert_events');
      throw err;
    }
    // Opened at the first request: the bus is started by then, and the topic is made once.
    topic ??= AlertsTopicHistory.open(s.bus(), s.topic).catch((err: unknown) => {
      topic = undefined;
      throw err;
    });
    try {
      await (await topic).append(parsed.run, parsed.events);
    } catch (err) {
      throw new SinkUnavailableError(`replayed alert history not stored: the bus did not acknowledge it: ${(err as Error)?.message ?? String(err)}`, edge.limits.retry_after, { cause: err });
    }
    return { status: 204 };
  });
}

/**
 * Mounts it on a role with a bus (up, ingest), authenticated as the role's remote_write endpoint
 * is (`ingest.remote_write.auth`): a replay sends its samples and its alert history with the same
 * credentials.
 */
export function mountReplayedAlertHistory(ctx: RoleContext, bus: BusService): void {
  const rw = ctx.config.ingest.remote_write;
  ctx.router.add(
    'POST',
    REPLAYED_ALERT_HISTORY_PATH,
    replayedAlertHistoryHandler({ bus: () => bus.bus, topic: ctx.config.bus.topics.alerts, registry: ctx.metrics, auth: rw.auth, limits: rw.limits }),
  );
}
