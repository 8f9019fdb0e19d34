import type { z } from 'zod';

import { httpConfigSchema } from './http-config.js';
import { bool, opt } from './primitives.js';

/** Fields every integration has (NotifierConfig + http_config). */
export const commonFields = {
  send_resolved: opt(bool),
  http_config: opt(httpConfigSchema),
};

type Ctx = z.RefinementCtx;

export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** Report `message` when both fields of a value/`_file` pair are set. */
export function atMostOne(ctx: Ctx, c: Record<string, unknown>, a: string, b: string): void {
  if (isSet(c[a]) && isSet(c[b])) ctx.addIssue({ code: 'custom', message: `at most one of ${a} & ${b} must be configured` });
}

export function issue(ctx: Ctx, message: string, path?: (string | number)[]): void {
  ctx.addIssue({ code: 'custom', message, ...(path === undefined ? {} : { path }) });
}
