import { z } from 'zod';

import type { Matcher } from '../matchers.js';
import { opt, str } from './primitives.js';
import { labelNameListSchema, matchEqualSchema, matcherListSchema, matchRegexpsSchema } from './route-config.js';

/** An inhibit rule after validation: old and new matcher styles folded together, as upstream. */
export interface InhibitRuleConfig {
  readonly name?: string;
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
}

export const inhibitRuleSchema: z.ZodType<InhibitRuleConfig> = z
  .strictObject({
    name: opt(str),
    source_match: opt(matchEqualSchema),
    source_match_re: opt(matchRegexpsSchema),
    source_matchers: opt(matcherListSchema),
    target_match: opt(matchEqualSchema),
    target_match_re: opt(matchRegexpsSchema),
    target_matchers: opt(matcherListSchema),
    equal: opt(labelNameListSchema('equal')),
  })
  .transform((r) => ({
    name: r.name,
    sourceMatchers: [...(r.source_match ?? []), ...(r.source_match_re ?? []), ...(r.source_matchers ?? [])],
    targetMatchers: [...(r.target_match ?? []), ...(r.target_match_re ?? []), ...(r.target_matchers ?? [])],
    equal: r.equal ?? [],
  }));
