// A notifier replica in its own process (started with `node --import tsx`), so a test can
// SIGKILL it. argv[2] is JSON: { redisUrl, prefix, configText, replicaId, leaseMs, pollMs, maxInFlight, retry }.
import { createNotifier, parseAlertmanagerConfig, RedisStateStore } from '../../../pipeline/alert/notify/index.js';
import { serveRoutes } from './serve-routes.js';

const s = JSON.parse(process.argv[2] ?? '{}') as {
  redisUrl: string; prefix: string; configText: string; replicaId: string; leaseMs: number; pollMs: number; maxInFlight: number;
  retry: { initialMs: number; maxMs: number; maxAttempts: number; maxElapsedMs: number };
};
const { config, errors } = parseAlertmanagerConfig(s.configText);
if (config === undefined) throw new Error(errors.map((e) => e.message).join('; '));
const store = new RedisStateStore({ redis: s.redisUrl, prefix: s.prefix });
const notifier = createNotifier({ config, store, replicaId: s.replicaId, leaseMs: s.leaseMs, pollMs: s.pollMs, maxInFlight: s.maxInFlight, retry: s.retry });
await notifier.start();
const server = await serveRoutes(notifier.routes);
process.stdout.write(`LISTENING ${server.url}\n`);
process.on('SIGTERM', () => {
  void notifier.stop().then(() => server.close()).then(() => process.exit(0));
});
