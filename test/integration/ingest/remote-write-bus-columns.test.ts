import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { snappyBlockCompress } from '../../../schemas/snappy-block.js';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteWriteConfigSchema } from '../../../connectors/remote-write/config.js';
import { createRemoteWriteConnector } from '../../../connectors/remote-write/factory.js';
import { encodeWriteRequest, pbLabels } from '../../../connectors/remote-write/testdata/prompb.js';
import { serveRoutes } from '../../../connectors/http-edge/testdata/serve-routes.js';
import { EmbeddedBus } from '../../../pipeline/bus/embedded/index.js';
import { BusSampleSink } from '../../../pipeline/publish/index.js';
import { decodeSampleBatch } from '../../../schemas/sample-batch-codec.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

describe('remote_write receiver onto the bus', () => {
  it('publishes each series of a request as a run of its columns, with its staleness markers and without its dropped samples', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-rw-bus-'));
    const bus = await EmbeddedBus.open({ dataDir: dir });
    closers.push(async () => {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    });
    await bus.ensureTopic('samples', 1);
    const sink = new BusSampleSink({ bus, topic: 'samples', partitions: 1, source: 'rw' });
    const conn = createRemoteWriteConnector({ sink, registry: new Registry() }, remoteWriteConfigSchema.parse({ limits: { max_age_ms: 86_400_000 } }));
    await conn.start();
    const srv = await serveRoutes(conn.routes);
    closers.push(async () => {
      await srv.close();
      await conn.stop();
    });
    const T = Date.now() - 60_000;
    const pb = encodeWriteRequest({
      timeseries: [
        { labels: pbLabels({ __name__: 'run' }), samples: [1, 2, 3].map((i) => ({ value: i, timestamp: T + i })) },
        { labels: pbLabels({ __name__: 'with_stale' }), samples: [{ value: 4, timestamp: T }, { value: 42.125, timestamp: T + 1 }, { value: 6, timestamp: T + 2 }] },
        { labels: pbLabels({ __name__: 'with_old' }), samples: [{ value: 7, timestamp: 1_577_836_800_000 }, { value: 8, timestamp: T }] },
        { labels: pbLabels({ __name__: 'single' }), samples: [{ value: 9, timestamp: T }] },
      ],
    });
    const at = pb.indexOf(Buffer.from(new Float64Array([42.125]).buffer));
    pb.writeUInt32LE(2, at);
    pb.writeUInt32LE(0x7ff00000, at + 4);
    const res = await fetch(`${srv.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body: snappyBlockCompress(pb),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/1 of 4 series rejected .* series 2 with_old: 1 of its 2 samples more than 86400000 ms behind/);

    const [{ high }] = await bus.offsets('samples');
    const records = await new Promise<Buffer[]>((resolve) => {
      const got: Buffer[] = [];
      void bus.consume({ group: 'read', topic: 'samples', fromBeginning: true }, async (b) => {
        got.push(...b.records.map((r) => r.value));
        if (got.length >= high) resolve(got);
      }).then((c) => closers.push(() => c.stop()));
    });
    const series = records.flatMap((r) => decodeSampleBatch(r).series);
    expect(series.map((s) => [s.labels.__name__, s.timestamps.map((t) => t - T), s.values.filter((v) => !Number.isNaN(v)), s.stale])).toEqual([
      ['run', [1, 2, 3], [1, 2, 3], []],
      ['with_stale', [0, 1, 2], [4, 6], [1]],
      ['with_old', [0], [8], []],
      ['single', [0], [9], []],
    ]);
  });
});
