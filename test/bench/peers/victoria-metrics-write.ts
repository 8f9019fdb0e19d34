import { cpuMs } from './peer-process.js';
import { VictoriaMetricsPeer } from './victoria-metrics.js';

/**
 * Samples per CPU-second that a fresh VictoriaMetrics spends on `/api/v1/write` (its whole
 * ingest, storage included): the `warm` requests first (registering the series, as a receiver
 * that has been running has), then the `measured` ones, which hold `samples` samples. Returns a
 * message instead when VictoriaMetrics does not start.
 */
export async function victoriaMetricsWriteRate(warm: readonly Buffer[], measured: readonly Buffer[], samples: number): Promise<number | string> {
  let vm: VictoriaMetricsPeer;
  try {
    vm = await VictoriaMetricsPeer.start();
  } catch (err) {
    return `VictoriaMetrics did not start: ${(err as Error).message}`;
  }
  try {
    for (const b of warm) await vm.remoteWrite(b);
    const before = cpuMs(vm.pid);
    for (const b of measured) await vm.remoteWrite(b);
    // VictoriaMetrics ingests asynchronously: let it finish the pending rows before reading its CPU.
    await new Promise((r) => setTimeout(r, 1_500));
    return samples / ((cpuMs(vm.pid) - before) / 1000);
  } finally {
    await vm.stop();
  }
}
