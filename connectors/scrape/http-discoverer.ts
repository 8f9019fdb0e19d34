import type { Agent } from 'node:http';
import type { HttpSdConfig } from './config.js';
import { parseTargetGroups, type Discoverer, type TargetGroup } from './discovery.js';
import { DiscoveryError } from './errors.js';
import { createAgent, httpGet } from './http-scraper.js';

/**
 * `http_sd_configs`: GETs the URL every `refresh_interval`; the answer is the file_sd JSON
 * format. Each target gets `__meta_url`. A failed refresh keeps the last good groups.
 */
export class HttpDiscoverer implements Discoverer {
  private timer: NodeJS.Timeout | undefined;
  private readonly agent: Agent;
  private stopped = false;
  private last: TargetGroup[] = [];

  constructor(
    private readonly cfg: HttpSdConfig,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.agent = createAgent(cfg, cfg.url.startsWith('https:'));
  }

  start(onUpdate: (groups: readonly TargetGroup[]) => void): void {
    const run = async () => {
      try {
        const res = await httpGet(this.cfg.url, this.agent, {
          timeoutMs: Math.min(this.cfg.refresh_interval, 30_000),
          bodySizeLimit: 0,
          client: this.cfg,
          accept: 'application/json',
        });
        if (!/^application\/json\b/i.test(res.contentType)) {
          throw new DiscoveryError(this.cfg.url, `unsupported content type ${JSON.stringify(res.contentType)}`);
        }
        this.last = parseTargetGroups(JSON.parse(res.body.toString('utf8')), this.cfg.url, { __meta_url: this.cfg.url });
        if (!this.stopped) onUpdate(this.last);
      } catch (err) {
        this.onError(err instanceof DiscoveryError ? err : new DiscoveryError(this.cfg.url, (err as Error).message, { cause: err }));
      }
    };
    void run();
    this.timer = setInterval(() => void run(), this.cfg.refresh_interval);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.agent.destroy();
  }
}
