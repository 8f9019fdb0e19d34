import { startDistributed } from './deployment.js';
import { describeScenarios } from './scenario-suite.js';

// One process per role, as the README runs them: 1 ingest, 2 stores, 1 query, 1 rules, 2 notify,
// on a Kafka-protocol cluster and Redis. The scenarios share the deployment and run in order.
describeScenarios('the distributed deployment (one process per role)', startDistributed, 300_000, {
  alerts: 'sends one webhook notification per alert change across two notifier replicas, also after the sender is killed',
  commands: 'runs the README operator commands: check config, tail, reload, delete_series',
  killed: 'answers partially while a store is killed under ingest, and afterwards holds every acknowledged sample exactly once',
  rebuilt: 'rebuilds a store whose data directory was deleted from the bus, answering as before',
});
