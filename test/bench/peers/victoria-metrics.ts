import { join } from 'node:path';
import { dirBytes, freePort, PeerProcess, rssBytes, tempDir } from './peer-process.js';

const BIN = process.env.VICTORIA_METRICS_BIN ?? '/usr/bin/victoria-metrics';

/** A single-node VictoriaMetrics on a random port with a temporary data path. */
export class VictoriaMetricsPeer {
  private constructor(
    private readonly proc: PeerProcess,
    readonly url: string,
  ) {}

  /** `flags` are added to the command line (e.g. `-search.disableCache`). */
  static async start(flags: readonly string[] = []): Promise<VictoriaMetricsPeer> {
    const port = await freePort();
    const dir = tempDir('bench-vm-');
    const proc = new PeerProcess('victoria-metrics', BIN, [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, 'data')}`, '-retentionPeriod=100y', '-loggerLevel=ERROR', ...flags], dir);
    const peer = new VictoriaMetricsPeer(proc, `http://127.0.0.1:${port}`);
    await proc.waitReady(`${peer.url}/health`);
    return peer;
  }

  /** POSTs JSON-lines import data (`/api/v1/import`: one series per line with its timestamps). */
  async importJsonLines(body: string): Promise<void> {
    await this.post('/api/v1/import', body);
  }

  /** POSTs Prometheus text with timestamps (`/api/v1/import/prometheus`). */
  async importPrometheus(body: string): Promise<void> {
    await this.post('/api/v1/import/prometheus', body);
  }

  /** Flushes buffered rows and merges all parts, so the data directory is at its compacted size. */
  async compact(): Promise<void> {
    await this.get('/internal/force_flush');
    await this.get('/internal/force_merge');
    // force_merge starts merges in the background: wait until the size settles.
    let last = -1;
    for (let i = 0; i < 120; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await this.get('/internal/force_flush');
      const now = this.dataBytes();
      if (now === last) return;
      last = now;
    }
  }

  /** The server's process id (for its CPU time). */
  get pid(): number {
    return this.proc.pid;
  }

  /** POSTs a snappy-compressed remote_write request to `/api/v1/write`. */
  async remoteWrite(body: Buffer): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      body,
    });
    if (res.status !== 204) throw new Error(`victoria-metrics /api/v1/write: ${res.status} ${await res.text()}`);
  }

  dataBytes(): number {
    return dirBytes(join(this.proc.dir, 'data'));
  }

  rssBytes(): number {
    return rssBytes(this.proc.pid);
  }

  /** Number of series VictoriaMetrics reports (to check the import landed). */
  async seriesCount(): Promise<number> {
    const res = await fetch(`${this.url}/api/v1/series/count`);
    const j = (await res.json()) as { data: number[] };
    return j.data[0];
  }

  /** Reads every series back once (a range query over all data), as a reader would hold them. */
  async touch(match: string, start: number, end: number): Promise<void> {
    const res = await fetch(`${this.url}/api/v1/export?match[]=${encodeURIComponent(match)}&start=${start / 1000}&end=${end / 1000}`);
    if (!res.ok) throw new Error(`export: ${res.status}`);
    await res.arrayBuffer();
  }

  /** Stops it gracefully and starts it again on the same data; milliseconds until /health answers. */
  restart(): Promise<number> {
    return this.proc.restart(`${this.url}/health`);
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }

  private async post(path: string, body: string): Promise<void> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', body });
    if (!res.ok) throw new Error(`victoria-metrics ${path}: ${res.status} ${await res.text()}`);
  }

  private async get(path: string): Promise<void> {
    const res = await fetch(`${this.url}${path}`);
    if (!res.ok) throw new Error(`victoria-metrics ${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
}
