import { z } from 'zod';
import { compileAnchoredRegexp, type AnchoredRegexp } from '../../schemas/regexp/index.js';

/** Every action of Prometheus' relabel package (YAML is case-insensitive, as in Prometheus). */
export const RELABEL_ACTIONS = [
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Prometheus' relabelTarget: a label name that may contain `$1`, `${name}` references.
const RELABEL_TARGET_RE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/**
 * A relabel regex as Prometheus compiles it: RE2, `^(?s:re)$`. Throws RegexpSyntaxError with Go's
 * message.
 */
export function compileRelabelRegex(re: string): AnchoredRegexp {
  return compileAnchoredRegexp(re, { dotMatchesNewline: true });
}

/**
 * One `relabel_config`. Defaults as Prometheus: separator `;`, regex `(.*)`, replacement `$1`,
 * action `replace`. `regex` stays undefined when not written, because keepequal/dropequal must
 * reject any written regex (Prometheus compares with its default by identity).
 */
export const relabelConfigSchema = z
  .object({
    source_labels: z.array(z.string().regex(LABEL_NAME_RE, 'not a valid label name')).optional(),
    separator: z.string().default(';'),
    regex: z.string().optional(),
    modulus: z.number().int().min(0).optional(),
    target_label: z.string().optional(),
    replacement: z.string().default('$1'),
    action: z
      .string()
      .default('replace')
      .transform((a, ctx) => {
        const act = a.toLowerCase();
        if (!(RELABEL_ACTIONS as readonly string[]).includes(act)) {
          ctx.addIssue({ code: 'custom', message: `unknown relabel action ${JSON.stringify(a)}` });
          return z.NEVER;
        }
        return act as RelabelAction;
      }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const fail = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    const a = c.action;
    const target = c.target_label ?? '';
    if (c.regex !== undefined) {
      try {
        compileRelabelRegex(c.regex);
      } catch (err) {
        fail((err as Error).message, 'regex');
      }
    }
    if (a === 'hashmod' && !c.modulus) fail('relabel configuration for hashmod requires non-zero modulus', 'modulus');
    const needsTarget = a === 'replace' || a === 'hashmod' || a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal';
    if (needsTarget && target === '') {
      fail(`relabel configuration for ${a} action requires 'target_label' value`, 'target_label');
      return;
    }
    const invalidTarget = () => fail(`${JSON.stringify(target)} is invalid 'target_label' for ${a} action`, 'target_label');
    if (a === 'replace' && !target.includes('$') && !LABEL_NAME_RE.test(target)) invalidTarget();
    if (a === 'replace' && target.includes('$') && !RELABEL_TARGET_RE.test(target)) invalidTarget();
    const plainTarget = a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal' || a === 'hashmod';
    if (plainTarget && !LABEL_NAME_RE.test(target)) invalidTarget();
    if ((a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal') && c.replacement !== '$1') {
      fail(`'replacement' can not be set for ${a} action`, 'replacement');
    }
    if (a === 'labelmap' && !RELABEL_TARGET_RE.test(c.replacement)) {
      fail(`${JSON.stringify(c.replacement)} is invalid 'replacement' for ${a} action`, 'replacement');
    }
    if ((a === 'keepequal' || a === 'dropequal') && (c.regex !== undefined || c.modulus || c.separator !== ';' || c.replacement !== '$1')) {
      fail(`${a} action requires only 'source_labels' and \`target_label\`, and no other fields`, 'action');
    }
    if (
      (a === 'labeldrop' || a === 'labelkeep') &&
      (c.source_labels !== undefined || target !== '' || c.modulus || c.separator !== ';' || c.replacement !== '$1')
    ) {
      fail(`${a} action requires only 'regex', and no other fields`, 'action');
    }
  });

export type RelabelConfig = z.output<typeof relabelConfigSchema>;
export type RelabelConfigInput = z.input<typeof relabelConfigSchema>;
