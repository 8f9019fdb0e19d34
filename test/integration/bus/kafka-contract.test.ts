import { describeBusContract } from '../../../pipeline/bus/bus.contract.js';
import { KafkaBus } from '../../../pipeline/bus/kafka/index.js';
import { createKafkaTopic, kafkaBrokers, mockKafkaBusSettings, testNamespace } from '../../harness/index.js';

const ns = testNamespace('kafka-contract');

describeBusContract(
  'kafka (3-broker librdkafka mock)',
  async () => {
    const bus = new KafkaBus(mockKafkaBusSettings(kafkaBrokers()));
    let n = 0;
    return {
      bus,
      // The mock has no CreateTopics API: the harness creates each topic on the launcher.
      topic: async (partitions) => {
        const name = ns.topic(`c${++n}`);
        await createKafkaTopic(name, partitions);
        return name;
      },
      cleanup: () => bus.close(),
    };
  },
  // The mock answers every timestamp lookup with the high watermark (TEST-SERVICES.md §3); the
  // timestamp-to-offset mapping is unit-tested in pipeline/bus/kafka/start-position.test.ts.
  { capabilities: { timestampLookup: false, multipleMembers: true } },
);
