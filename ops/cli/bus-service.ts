import type { Logger } from 'pino';
import type { Bus } from '../../pipeline/bus/bus.js';
import type { TidemarkConfig } from '../config/index.js';
import type { Service } from '../server/service.js';
import { busFromConfig, ensurePipelineTopics } from './bus-from-config.js';

/**
 * Owns the role's bus connection: opens it, creates the pipeline's topics, closes it last. A
 * consumer of the bus that fails for good fails the role (`onConsumerFailed`, e.g. RoleContext.fail).
 */
export class BusService implements Service {
  readonly name = 'bus';
  private current: Bus | undefined;

  constructor(
    private readonly cfg: TidemarkConfig,
    private readonly dataDir: string,
    readonly log: Logger,
    private readonly onConsumerFailed?: (err: Error) => void,
  ) {}

  /** The open bus; only valid after start(). */
  get bus(): Bus {
    if (this.current === undefined) throw new Error('bus used before the bus service started');
    return this.current;
  }

  async start(): Promise<void> {
    this.current = await busFromConfig(this.cfg, this.dataDir, this.log.child({ component: 'bus' }), this.onConsumerFailed);
    await ensurePipelineTopics(this.current, this.cfg);
  }

  ready(): boolean {
    return this.current !== undefined;
  }

  async stop(): Promise<void> {
    const bus = this.current;
    this.current = undefined;
    await bus?.close();
  }
}
