import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusApi } from '../../../pipeline/query/index.js';
import { Tsdb } from '../../../pipeline/tsdb/index.js';
import { promtoolCreateBlocks, startPrometheus, type PrometheusPeer } from '../../bench/peers/prometheus-peer.js';
import { serveRoutes, type RoutesServer } from './serve-routes.js';
import { loadIntoTsdb, toOpenMetrics, type DataFamily } from './side-by-side-dataset.js';

/** One data set loaded into a real Prometheus (through promtool's blocks) and into Tidemark's query API over a TSDB. */
export interface SideBySide {
  readonly prometheus: PrometheusPeer;
  readonly tidemark: RoutesServer;
  readonly db: Tsdb;
  close(): Promise<void>;
}

export async function startSideBySide(data: DataFamily[], name: string): Promise<SideBySide> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const file = join(dir, 'data.om');
  writeFileSync(file, toOpenMetrics(data));
  await promtoolCreateBlocks(file, join(dir, 'prometheus'));
  const prometheus = await startPrometheus(join(dir, 'prometheus'));
  const db = await Tsdb.open(join(dir, 'tidemark'), { retentionMs: 0 });
  loadIntoTsdb(data, db);
  const tidemark = await serveRoutes(prometheusApi({ queryable: db }).routes);
  return {
    prometheus,
    tidemark,
    db,
    close: async () => {
      await tidemark.close();
      await prometheus.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
