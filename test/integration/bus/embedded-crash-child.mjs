// Child process for embedded-crash.test.ts: produces without pause to a 2-partition topic and
// prints "ack <partition> <offset> <value>" for every record once produce() has acknowledged it.
// The test SIGKILLs it at random moments. Imports the compiled bus from dist/ (plain node, no TS).
import { EmbeddedBus } from '../../../dist/pipeline/bus/embedded/index.js';

const [dataDir, topic, run] = process.argv.slice(2);
const quiet = { info: () => {}, warn: (o, m) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`), error: (o, m) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`) };
const bus = await EmbeddedBus.open({ dataDir, logger: quiet, config: { segment_bytes: 64 * 1024 } });
await bus.ensureTopic(topic, 2);
process.stdout.write('ready\n');

let seq = 0;
async function producer() {
  for (;;) {
    const records = [];
    const n = 1 + (seq % 7);
    for (let i = 0; i < n; i++) {
      const id = `${run}-${seq++}`;
      // Values of varying size so kills land inside records of different lengths.
      records.push({ partition: seq % 2, value: Buffer.from(`${id}|${'x'.repeat((seq * 131) % 3000)}`) });
    }
    const acks = await bus.produce(topic, records);
    let out = '';
    acks.forEach((a, i) => (out += `ack ${a.partition} ${a.offset} ${records[i].value.toString().split('|')[0]}\n`));
    process.stdout.write(out);
  }
}
await Promise.all([producer(), producer(), producer()]);
