import type { Labels } from './labels.js';

/** Series all remembered sections may hold together (bounds memory when sections never repeat). */
const DEFAULT_BUDGET = 250_000;
/** Bytes of a section's start (and end) its lookup key is computed from. */
const KEY_BYTES = 256;

/**
 * The decoded labels of one label section (the symbols, labelCounts and labelRefs fields of a
 * sample batch): one labels object per series, in the record's order. The object's identity
 * stands for that series list while the memo keeps it: a consumer may key what it derives from
 * the series (a store shard: their refs) on it.
 */
export class LabelSection {
  constructor(
    readonly bytes: Buffer,
    readonly labels: readonly Labels[],
  ) {}
}

/**
 * Label sections seen recently, by their bytes. A producer writes a target's series in the same
 * order batch after batch, and its writer reuses the section bytes then (sample-batch-writer.ts),
 * so a reader that finds the bytes here takes the labels decoded before instead of decoding the
 * symbols and building a labels object per series again. A section is kept from the second time
 * it is seen on (batches that never repeat, as remote_write senders batch what is queued, cost a
 * key, not a copy).
 */
export class LabelSectionMemo {
  private readonly byKey = new Map<number, LabelSection | LabelSection[] | null>();
  private series = 0;

  constructor(private readonly budget = DEFAULT_BUDGET) {}

  /** The section whose bytes are `record[start, end)`, if remembered. */
  find(record: Buffer, start: number, end: number): LabelSection | undefined {
    const e = this.byKey.get(keyOf(record, start, end));
    if (e == null) return undefined;
    if (!Array.isArray(e)) return same(e.bytes, record, start, end) ? e : undefined;
    for (const s of e) if (same(s.bytes, record, start, end)) return s;
    return undefined;
  }

  /**
   * Notes the section `record[start, end)` decoded as `labels`; returns it as a LabelSection when
   * it is kept (seen before under its key), else undefined.
   */
  remember(record: Buffer, start: number, end: number, labels: readonly Labels[]): LabelSection | undefined {
    const key = keyOf(record, start, end);
    const e = this.byKey.get(key);
    if (e === undefined) {
      this.byKey.set(key, null);
      return undefined;
    }
    if (this.series + labels.length > this.budget) {
      this.byKey.clear();
      this.series = 0;
      this.byKey.set(key, null);
      return undefined;
    }
    const section = new LabelSection(Buffer.from(record.subarray(start, end)), labels);
    this.series += labels.length;
    if (e === null) this.byKey.set(key, section);
    else if (Array.isArray(e)) e.push(section);
    else this.byKey.set(key, [e, section]);
    return section;
  }
}

function same(kept: Buffer, record: Buffer, start: number, end: number): boolean {
  return kept.length === end - start && kept.equals(record.subarray(start, end));
}

/**
 * FNV-1a over the length and the first and last KEY_BYTES bytes: sections of different targets
 * differ early (the first series' labels hold the instance), and equality is checked in full.
 */
function keyOf(b: Buffer, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ (end - start), 0x01000193);
  const head = Math.min(end, start + KEY_BYTES);
  for (let i = start; i < head; i++) h = Math.imul(h ^ b[i], 0x01000193);
  for (let i = Math.max(head, end - KEY_BYTES); i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}
