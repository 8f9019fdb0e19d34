import type { RoleDefinition } from './run-role.js';
import { BusService } from './bus-service.js';
import { ingestServices } from './ingest.js';
import { DeferredBusSink } from './deferred-bus-sink.js';
import { NotifyService } from './notify.js';

/**
 * `tidemark up`: every role in one process on the embedded bus (or Kafka with --kafka), for a
 * laptop with zero services. Each role's services are added here as the roles exist.
 */
export const upRole: RoleDefinition = {
  name: 'up',
  async build(ctx) {
    const bus = new BusService(ctx.config, ctx.flags.data, ctx.log);
    const sink = new DeferredBusSink(bus, ctx.config, 'up');
    return [bus, ...ingestServices(ctx, sink), await NotifyService.create(ctx)];
  },
};
