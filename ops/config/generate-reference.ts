/** `npm run gen:config`: writes ops/config/schema.json and ops/config/REFERENCE.md from the schema. */
import { writeFileSync } from 'node:fs';
import { configJsonSchema, configReferenceMarkdown } from './config-reference.js';

const here = new URL('./', import.meta.url);
writeFileSync(new URL('schema.json', here), JSON.stringify(configJsonSchema(), null, 2) + '\n');
writeFileSync(new URL('REFERENCE.md', here), configReferenceMarkdown());
