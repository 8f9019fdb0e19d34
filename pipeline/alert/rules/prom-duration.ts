import { DurationError, parseDuration } from '../../../schemas/duration.js';

/**
 * Prometheus model.ParseDuration, in milliseconds; undefined when not a duration (a rule file
 * reports where). Apart from config.ts so that reading rule files does not load zod (a replay's start).
 */
export function parsePromDurationMs(s: string): number | undefined {
  try {
    return parseDuration(s);
  } catch (err) {
    if (err instanceof DurationError) return undefined;
    throw err;
  }
}
