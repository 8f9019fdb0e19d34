import { defaultConfig, loadConfig, type TidemarkConfig } from '../config/index.js';
import type { CommonFlags } from './flags.js';

/** Loads `--config` (or the embedded defaults) and lets `--kafka`, `--redis`, `--nats` override it. */
export async function configFromFlags(flags: CommonFlags): Promise<TidemarkConfig> {
  const cfg = flags.config !== undefined ? await loadConfig(flags.config) : defaultConfig();
  return applyFlagOverrides(cfg, flags);
}

export function applyFlagOverrides(cfg: TidemarkConfig, flags: CommonFlags): TidemarkConfig {
  let out = cfg;
  if (flags.kafka !== undefined) {
    const brokers = flags.kafka.split(',').map((b) => b.trim()).filter((b) => b !== '');
    out = {
      ...out,
      bus: { ...out.bus, type: 'kafka', kafka: { client_id: 'tidemark', ssl: false, ...out.bus.kafka, brokers } },
    };
  }
  if (flags.redis !== undefined) out = { ...out, redis: { url: flags.redis } };
  if (flags.nats !== undefined) {
    out = { ...out, nats: { inputs: [], dead_letter_subject: 'tidemark.deadletter', ...out.nats, servers: flags.nats.split(',') } };
  }
  return out;
}
