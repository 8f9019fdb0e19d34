/**
 * Tells V8, at a thread's start, that ArrayBuffers will be detached in it. Until a thread first
 * detaches one (a postMessage that transfers it), V8 compiles typed-array code on the assumption
 * that none ever is; the first transfer breaks that assumption and throws away every optimized
 * function that made it. A query thread's first transfer is its first answer (or, on the thread
 * that serves HTTP, its first select handed to a worker): the decoders and row fills its first
 * query, or the start-up's head restore, had just optimized were compiled again from the
 * interpreter, and a restarted process' first queries cost 1.5-3 times their warm time. Detaching
 * one buffer first costs nothing later: every thread that transfers runs without the assumption
 * after its first transfer anyway.
 */
export function expectArrayBufferTransfers(): void {
  const buffer = new ArrayBuffer(0);
  structuredClone(buffer, { transfer: [buffer] });
}
