import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snappyBlockCompress } from '../../../schemas/snappy-block.js';
import { dirBytes, freePort, PeerProcess, rssBytes, run, tempDir } from './peer-process.js';

const BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

/** `promtool tsdb create-blocks-from openmetrics FILE DIR`: Prometheus' blocks for the data; returns their bytes. */
export async function promtoolBlockBytes(openMetricsFile: string, outDir: string, maxBlockDuration = '6h'): Promise<number> {
  await run(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', `--max-block-duration=${maxBlockDuration}`, openMetricsFile, outDir]);
  return dirBytes(outDir);
}

/** A Prometheus server on a random port with a temporary TSDB, accepting remote write. */
export class PrometheusPeer {
  private constructor(
    private readonly proc: PeerProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<PrometheusPeer> {
    const port = await freePort();
    const dir = tempDir('bench-prom-');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
    const proc = new PeerProcess(
      'prometheus',
      BIN,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--storage.tsdb.retention.time=100y', '--log.level=error'],
      dir,
    );
    const peer = new PrometheusPeer(proc, `http://127.0.0.1:${port}`);
    await proc.waitReady(`${peer.url}/-/ready`, 60_000);
    return peer;
  }

  /** Sends one snappy-compressed remote-write request (protobuf body). */
  async remoteWrite(protobuf: Uint8Array): Promise<void> {
    const body = snappyBlockCompress(protobuf);
    const res = await fetch(`${this.url}/api/v1/write`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
    });
    if (!res.ok) throw new Error(`prometheus remote write: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }

  /** The server's process id (for its CPU time). */
  get pid(): number {
    return this.proc.pid;
  }

  rssBytes(): number {
    return rssBytes(this.proc.pid);
  }

  /** Bytes of its TSDB directory (WAL, head chunks and blocks). */
  dataBytes(): number {
    return dirBytes(join(this.proc.dir, 'data'));
  }

  async headSeries(): Promise<number> {
    const res = await fetch(`${this.url}/api/v1/status/tsdb`);
    const j = (await res.json()) as { data: { headStats: { numSeries: number } } };
    return j.data.headStats.numSeries;
  }

  /** Stops it gracefully and starts it again on the same data; milliseconds until /-/ready answers. */
  restart(): Promise<number> {
    return this.proc.restart(`${this.url}/-/ready`);
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}
