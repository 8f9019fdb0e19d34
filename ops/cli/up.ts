import type { RoleDefinition } from './run-role.js';
import { BusService } from './bus-service.js';
import { mountBusStatus } from './bus-status-api.js';
import { mountReplayedAlertHistory } from './replayed-alert-history-api.js';
import { ingestServices } from './ingest.js';
import { DeferredBusSink } from './deferred-bus-sink.js';
import { NotifyService } from './notify.js';
import { InProcessShardRegistry } from '../../pipeline/store-protocol/index.js';
import { StoreService } from './store.js';
import { AggregationService } from './aggregation.js';
import { mountQueryApi } from './query.js';
import { SideDataService } from './side-data.js';
import { mountWebUi } from '../server/web-ui.js';
import { ALL_APPS } from '../web-ui/pages.js';
import { RulesService } from './rules.js';
import { parsePostableAlerts } from '../../pipeline/alert/notify/index.js';
import { postableAlerts, type NotifyFunc } from '../../pipeline/alert/rules/index.js';

/**
 * `tidemark up`: every role in one process on the embedded bus (or Kafka with --kafka), for a
 * laptop with zero services: the store over all partitions, the query API reading it directly,
 * the connectors and the notifier. On the embedded defaults (no --config) it scrapes its own
 * /metrics as job `tidemark`, as Prometheus scrapes itself by default (not behind a
 * --web.config.file, whose TLS and passwords a plain self-scrape would not pass).
 */
export const upRole: RoleDefinition = {
  name: 'up',
  async build(ctx) {
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log, ctx.fail);
    mountBusStatus(ctx, bus);
    mountReplayedAlertHistory(ctx, bus);
    const sink = new DeferredBusSink(bus, ctx.config, 'up');
    const aggregation: AggregationService = new AggregationService(ctx, bus, () => store.samplesWorker());
    const store = new StoreService(ctx, bus, new InProcessShardRegistry(), aggregation.dropInput, aggregation.follower);
    const side = new SideDataService(ctx, bus, { follow: true });
    const warmUp = mountQueryApi(
      ctx,
      { querier: (mint, maxt) => store.querier(mint, maxt) },
      undefined,
      async (req) => ({ stats: await store.labelStats(req), warnings: [] }),
      async () => [{ name: 'the store of this process', partitions: store.samplesPartitions(), waiter: store, changes: store }],
      { metadata: side.metadata, exemplars: side.exemplars },
    );
    mountWebUi(ctx.router, { apps: ALL_APPS });
    const notify = await NotifyService.create(ctx);
    // In one process, alerts go straight to the notifier's dispatcher, as POST /api/v2/alerts would.
    const toNotifier: NotifyFunc = async (alerts) => {
      const dispatcher = notify.notifier.dispatcher;
      const { alerts: parsed } = parsePostableAlerts(postableAlerts(alerts), Date.now(), dispatcher.plan.resolveTimeoutMs);
      await dispatcher.putAlerts(parsed);
    };
    const rules = new RulesService(ctx, bus, toNotifier);
    const ingest = ingestServices(ctx, sink, bus, { scrapeSelf: ctx.flags.config === undefined && ctx.flags.webConfigFile === undefined, metadata: side, exemplars: side });
    // The store starts first: its records wait for the aggregator (see AggregationService.follower).
    return [bus, sink, side, store, aggregation, ...ingest, notify, rules, warmUp];
  },
};
