import { z } from 'zod';
import { tidemarkConfigSchema } from './config-schema.js';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  additionalProperties?: JsonSchema | boolean;
};

/** The JSON Schema of `tidemark.yml` (what a user writes: durations as strings), for editors and CI. */
export function configJsonSchema(): object {
  return z.toJSONSchema(tidemarkConfigSchema, { io: 'input', unrepresentable: 'any' });
}

function typeOf(s: JsonSchema): string {
  if (s.enum !== undefined) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts !== undefined) return alts.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && s.properties === undefined && typeof s.additionalProperties === 'object') {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  if (Array.isArray(s.type)) return s.type.join(' \\| ');
  return s.type ?? 'any';
}

function rows(s: JsonSchema, path: string, out: string[]): void {
  const objectLike = s.properties !== undefined ? s : (s.anyOf ?? s.oneOf)?.find((a) => a.properties !== undefined);
  const def = s.default === undefined || (typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0)
    ? ''
    : `\`${JSON.stringify(s.default)}\``;
  if (path !== '') {
    const desc = (s.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    out.push(`| \`${path}\` | ${objectLike ? 'section' : typeOf(s)} | ${def} | ${desc} |`);
  }
  if (objectLike?.properties !== undefined) {
    for (const [k, v] of Object.entries(objectLike.properties)) rows(v, path === '' ? k : `${path}.${k}`, out);
  } else if (s.type === 'array' && s.items?.properties !== undefined) {
    for (const [k, v] of Object.entries(s.items.properties)) rows(v, `${path}[].${k}`, out);
  }
}

/** The configuration reference, generated from the one schema (never edited by hand). */
export function configReferenceMarkdown(): string {
  const out = [
    '# `tidemark.yml` reference',
    '',
    'Generated from the configuration schema by `npm run gen:config`; a test fails when it is stale.',
    'Durations are Prometheus duration strings (`15s`, `1h30m`). Unknown keys are errors.',
    '',
    '| key | type | default | description |',
    '|---|---|---|---|',
  ];
  rows(configJsonSchema() as JsonSchema, '', out);
  return out.join('\n') + '\n';
}
