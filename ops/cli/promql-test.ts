import { Engine } from '../../pipeline/promql/index.js';
import { memoryTestStorage, runPromqlTestFiles, type TestStorageFactory } from '../../pipeline/promql/promqltest/index.js';
import { queryConfigSchema, queryEngineOptions, tsdbTestStorage } from '../../pipeline/query/index.js';
import { parseFlags, UsageError } from './flags.js';

const USAGE = `Usage: tidemark promql-test [--storage tsdb|memory] FILE...   (Prometheus PromQL test files)

  --storage tsdb     (default) load each file into TSDB shards (head, WAL, blocks) and evaluate
                     through the query API's read path and engine settings
  --storage memory   load into the runner's in-memory storage (faster; no files)`;

/**
 * `tidemark promql-test`: runs Prometheus' PromQL test files. Exit 0 when every case passed and
 * every load was stored, 1 otherwise, 2 on a usage error.
 */
export async function runPromqlTest(args: string[], out: (line: string) => void): Promise<number> {
  const flags = parseFlags(args, { storage: { type: 'string', default: 'tsdb' } });
  if (flags.help || flags.positionals.length === 0) {
    out(USAGE);
    return flags.help ? 0 : 2;
  }
  const query = queryConfigSchema.parse({});
  let storage: TestStorageFactory;
  switch (flags.extra.storage) {
    case 'tsdb': storage = tsdbTestStorage({ query }); break;
    case 'memory': storage = memoryTestStorage; break;
    default: throw new UsageError(`--storage: expected tsdb or memory, got ${JSON.stringify(flags.extra.storage)}`);
  }
  const sum = await runPromqlTestFiles(flags.positionals, out, { storage, engine: new Engine(queryEngineOptions(query)) });
  return sum.failed === 0 && sum.nativeHistogramFailed === 0 && sum.loadErrors.length === 0 ? 0 : 1;
}
