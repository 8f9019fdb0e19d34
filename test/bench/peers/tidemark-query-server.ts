// Serves the Prometheus query API over a Tsdb directory in a process of its own, so the query
// benchmark measures Tidemark as it measures its peers: a separate server, its CPU read from /proc.
// Run as `node --import tsx tidemark-query-server.ts DIR`; prints "listening <url>".
import { prometheusApi } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { serveRoutes } from '../../integration/query/serve-routes.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: tidemark-query-server.ts TSDB_DIR');
const db = await Tsdb.open(dir, { retentionMs: 0 });
const server = await serveRoutes(prometheusApi({ queryable: db }).routes);
process.stdout.write(`listening ${server.url}\n`);
// Exit through process.exit so that --cpu-prof and the like get to write their files.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
