import { z } from 'zod';

import { globalConfigSchema } from './global-config.js';
import { tlsConfigSchema } from './http-config.js';
import { inhibitRuleSchema } from './inhibit-config.js';
import { bool, float, goDuration, opt, str, stringList, stringMap } from './primitives.js';
import { receiverSchema } from './receivers.js';
import { routeConfigSchema } from './route-config.js';
import { namedTimeIntervalsSchema } from './time-interval-config.js';

const tracingSchema = z.strictObject({
  client_type: opt(str),
  endpoint: opt(str),
  sampling_fraction: opt(float),
  insecure: opt(bool),
  tls_config: opt(tlsConfigSchema),
  headers: opt(stringMap),
  compression: opt(str),
  timeout: opt(goDuration),
});

/** The whole `alertmanager.yml`, field by field as Alertmanager's Config struct (strict keys). */
export const alertmanagerFileSchema = z.strictObject({
  global: opt(globalConfigSchema),
  route: opt(routeConfigSchema),
  inhibit_rules: opt(z.array(inhibitRuleSchema)),
  receivers: opt(z.array(receiverSchema)),
  templates: opt(stringList),
  mute_time_intervals: opt(z.array(namedTimeIntervalsSchema('mute time interval'))),
  time_intervals: opt(z.array(namedTimeIntervalsSchema('time interval'))),
  tracing: opt(tracingSchema),
});

export type AlertmanagerFile = z.infer<typeof alertmanagerFileSchema>;
