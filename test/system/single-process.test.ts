import { startSingle } from './deployment.js';
import { describeScenarios } from './scenario-suite.js';

// The same scenarios against the single-process deployment on the embedded bus; the fault
// scenarios kill and restart the whole process, alert state is its own (one notifier).
describeScenarios('one tidemark up process', startSingle, 180_000, {
  alerts: 'sends one webhook notification per alert change and resolves once',
  commands: 'runs the README operator commands: check config, reload, delete_series',
  killed: 'is SIGKILLed under ingest and restarted, and afterwards holds every acknowledged sample exactly once',
  rebuilt: 'rebuilds its deleted TSDB directory from the embedded bus, answering as before',
});
