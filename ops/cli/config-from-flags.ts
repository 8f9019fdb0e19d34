import { defaultConfig, loadConfigWithText, shownConfigYaml, type ConfigOverrides, type TidemarkConfig } from '../config/index.js';
import type { CommonFlags } from './flags.js';

/**
 * Loads `--config` (or the embedded defaults) with `--kafka`, `--redis`, `--nats` and
 * `--advertise-address` taking precedence over the file. The flags complete the file before it is validated: `bus: {type:
 * kafka}` in the file plus `--kafka k1:9092` is a valid configuration.
 */
export async function configFromFlags(flags: CommonFlags): Promise<TidemarkConfig> {
  return (await shownConfigFromFlags(flags)).config;
}

/** configFromFlags, with the configuration as `/api/v1/status/config` shows it (secrets hidden). */
export async function shownConfigFromFlags(flags: CommonFlags): Promise<{ config: TidemarkConfig; yaml: string }> {
  const overrides = flagOverrides(flags);
  if (flags.config === undefined) return { config: defaultConfig(overrides), yaml: shownConfigYaml('', overrides) };
  const { config, text } = await loadConfigWithText(flags.config, overrides);
  return { config, yaml: shownConfigYaml(text, overrides) };
}

/** The configuration values the flags set, in the shape of `tidemark.yml`. */
export function flagOverrides(flags: CommonFlags): ConfigOverrides {
  const out: Record<string, unknown> = {};
  if (flags.kafka !== undefined) {
    out.bus = { type: 'kafka', kafka: { brokers: commaList(flags.kafka) } };
  }
  if (flags.redis !== undefined) out.redis = { url: flags.redis };
  if (flags.nats !== undefined) out.nats = { servers: commaList(flags.nats) };
  if (flags.advertiseAddress !== undefined) out.store = { advertise_address: flags.advertiseAddress };
  return out;
}

function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
