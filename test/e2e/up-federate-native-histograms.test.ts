import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbLabels, snappyWriteRequest } from '../../connectors/remote-write/testdata/prompb.js';
import { decodeDelimited, type MetricFamilyMessage } from '../../schemas/exposition/testdata/metric-family-encoder.js';
import { freePort } from '../harness/index.js';
import { spawnService, type ServiceProcess } from '../harness/service-process.js';
import { startCli, waitFor, type RunningCli } from './cli-process.js';

const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

/**
 * Families made comparable: labels with an empty value dropped (Prometheus 2.42 federation adds
 * `instance=""` to series without one; an empty label is no label) and the rest sorted by name.
 */
function comparable(families: MetricFamilyMessage[]): unknown {
  return families.map((f) => ({
    ...f,
    metric: (f.metric as Array<{ label?: Array<{ name: string; value?: string }> }>).map((m) => ({
      ...m,
      label: (m.label ?? []).filter((l) => (l.value ?? '') !== '').sort((a, b) => a.name.localeCompare(b.name)),
    })),
  }));
}

/**
 * The same native histograms and floats remote-written to `tidemark up` and to Prometheus 2.42
 * (native histograms on): /federate in protobuf answers the same families.
 */
describe('tidemark up federating native histograms, side by side with Prometheus 2.42', () => {
  let dir: string;
  let up: RunningCli;
  let prometheus: ServiceProcess;
  let promUrl: string;
  const t = Date.now() - 5000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tidemark-federate-nh-'));
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
    await mkdir(join(dir, 'prometheus'));
    const port = await freePort();
    [up, prometheus] = await Promise.all([
      startCli(['up', '--data', join(dir, 'data')]),
      spawnService({
        command: '/usr/bin/prometheus',
        args: [
          '--config.file', join(dir, 'prometheus.yml'),
          '--storage.tsdb.path', join(dir, 'prometheus'),
          '--web.listen-address', `127.0.0.1:${port}`,
          '--web.enable-remote-write-receiver',
          '--enable-feature=native-histograms',
        ],
        ready: /Server is ready to receive web requests/,
        guard: true,
        readyTimeoutMs: 60_000,
      }).then((s) => s.process),
    ]);
    promUrl = `http://127.0.0.1:${port}`;
    const body = snappyWriteRequest({
      timeseries: [
        {
          labels: pbLabels({ __name__: 'rpc_seconds', job: 'api', instance: 'a' }),
          histograms: [{
            countInt: 12, sum: 9.25, schema: 0, zeroThreshold: 0.001, zeroCountInt: 2,
            negativeSpans: [{ offset: 1, length: 1 }], negativeDeltas: [1], positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [4, 1], timestamp: t,
          }],
        },
        { labels: pbLabels({ __name__: 'up', job: 'api', instance: 'a' }), samples: [{ value: 1, timestamp: t }] },
      ],
    });
    for (const url of [up.url, promUrl]) {
      const res = await fetch(`${url}/api/v1/write`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
        body,
      });
      expect(res.status, `${url}: ${await res.text()}`).toBe(204);
    }
  }, 120_000);

  afterAll(async () => {
    await up?.stop('SIGTERM');
    await prometheus?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const federate = async (url: string): Promise<MetricFamilyMessage[]> => {
    const res = await fetch(`${url}/federate?match[]=${encodeURIComponent('{job="api"}')}`, { headers: { accept: PROTOBUF_ACCEPT } });
    // Prometheus 3 (and Tidemark) name the escaping of UTF-8 names; Prometheus 2.42 has none.
    expect(res.headers.get('content-type')).toBe(`application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited${url === up.url ? '; escaping=underscores' : ''}`);
    return decodeDelimited(new Uint8Array(await res.arrayBuffer()));
  };

  it('answers /federate in protobuf with the histogram and untyped families Prometheus answers', async () => {
    const ours = await waitFor(async () => {
      const f = await federate(up.url);
      return f.length === 2 ? f : undefined;
    });
    const theirs = await federate(promUrl);
    expect(ours.map((f) => [f.name, f.type])).toEqual([['rpc_seconds', 4], ['up', 3]]);
    expect(comparable(ours)).toEqual(comparable(theirs));
  });
});
