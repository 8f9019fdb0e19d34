import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Labels } from '../../../schemas/labels.js';
import type { FloatHistogram } from '../../../schemas/native-histogram/index.js';
import { ByteReader, ByteWriter, fsyncDir } from '../block/index.js';
import { writeHistogram, readHistogram } from '../chunks/index.js';
import { CorruptionError } from '../errors.js';
import type { SampleLog } from '../head/index.js';
import type { LabelMatcher } from '../querier.js';

const REC_SERIES = 1;
const REC_SAMPLES = 2;
const REC_DELETION = 3;
/** First record of a segment `roll` starts: every sample logged before it older than its value is in a block. */
const REC_PERSISTED = 4;
const REC_HISTOGRAM = 5;
const REC_START_TIMESTAMP = 6;
const HEADER = 9; // type u8, payload length u32, crc32 u32

/** What replay hands back, in the order it was logged. */
export interface WalReplayHandler {
  /**
   * For segments written before segments carried a persisted marker: samples older than this are
   * in blocks (the newest block's end). Default -Infinity.
   */
  readonly persistedBefore?: number;
  series(ref: number, labels: Labels): void;
  sample(ref: number, t: number, v: number, stale: boolean): void;
  /** A native-histogram sample; without a handler they are skipped. */
  histogram?(ref: number, t: number, h: FloatHistogram): void;
  /** The start timestamp of a sample logged before it; without a handler they are skipped. */
  startTimestamp?(ref: number, t: number, st: number): void;
  deletion(matchers: readonly LabelMatcher[], mint: number, maxt: number): void;
}

/**
 * The write-ahead log of the head (see FORMAT.md). Accepted samples are buffered in memory as
 * records; `flush()` appends them to the current segment and fdatasyncs: that is the durability
 * point. Segments are numbered files; a new one starts (with a dump of all live series, so every
 * suffix of segments is self-contained) each time the head is persisted to a block, and old
 * segments are deleted once all their samples are in blocks. A segment only ever appears under
 * its name with its dump already in it (see `roll`).
 */
export class Wal implements SampleLog {
  private readonly pending = new ByteWriter(1 << 16);
  private samplesStart = -1;
  private prevT = 0;
  private pendingMaxT = -Infinity;
  private fd = -1;
  private segment = 0;
  /** Newest sample timestamp per segment number. */
  private readonly segMaxT = new Map<number, number>();

  private constructor(readonly dir: string) {}

  /** Opens the log directory, replays every segment into `handler`, and starts a new segment. */
  static open(dir: string, handler: WalReplayHandler): Wal {
    mkdirSync(dir, { recursive: true });
    // A segment a crash cut off before its rename (see `roll`): the older segments still hold
    // everything it would have held.
    for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
    const wal = new Wal(dir);
    const segs = listSegments(dir);
    // A sample is in a block already when a later roll's marker says so: the head only forgets a
    // sample once a block holds it, so any later marker above it covers it (markers can go down:
    // out-of-order samples older than the blocks lower them).
    const markers = segs.map((n) => readMarker(join(dir, segName(n))) ?? handler.persistedBefore ?? -Infinity);
    const skipBefore = new Array<number>(segs.length).fill(-Infinity);
    for (let i = segs.length - 2; i >= 0; i--) skipBefore[i] = Math.max(skipBefore[i + 1], markers[i + 1]);
    segs.forEach((n, i) => wal.segMaxT.set(n, replaySegment(join(dir, segName(n)), handler, i === segs.length - 1, skipBefore[i])));
    wal.segment = segs.length > 0 ? segs[segs.length - 1] : 0;
    return wal;
  }

  get currentSegment(): number {
    return this.segment;
  }

  series(ref: number, labels: Labels): void {
    this.endSamples();
    const w = this.pending;
    const start = this.beginRecord(REC_SERIES);
    w.uvarint(ref);
    const names = Object.keys(labels);
    w.uvarint(names.length);
    for (const n of names) {
      w.str(n);
      w.str(labels[n]);
    }
    this.endRecord(start);
  }

  sample(ref: number, t: number, v: number, stale: boolean): void {
    const w = this.pending;
    if (this.samplesStart < 0) {
      this.samplesStart = this.beginRecord(REC_SAMPLES);
      this.prevT = 0;
    }
    // The hot path of every accepted sample: written straight into the buffer (the bytes
    // ByteWriter's uvarint, varint, byte and f64 would write), one capacity check per sample.
    if (w.buf.length - w.length < MAX_SAMPLE_BYTES) grow(w);
    const buf = w.buf;
    let p = w.length;
    let x = ref;
    while (x >= 0x80) {
      buf[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    buf[p++] = x;
    const d = t - this.prevT;
    x = d >= 0 ? d * 2 : -d * 2 - 1;
    while (x >= 0x80) {
      buf[p++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    buf[p++] = x;
    this.prevT = t;
    if (stale) buf[p++] = 1;
    else {
      buf[p++] = 0;
      // Big-endian float64 without Buffer.writeDoubleBE's argument checks.
      f64[0] = v;
      if (LITTLE_ENDIAN) for (let i = 7; i >= 0; i--) buf[p++] = f64Bytes[i];
      else for (let i = 0; i < 8; i++) buf[p++] = f64Bytes[i];
    }
    w.length = p;
    if (t > this.pendingMaxT) this.pendingMaxT = t;
  }

  /** One record per histogram sample: they are rare next to floats and larger than a header. */
  histogram(ref: number, t: number, h: FloatHistogram): void {
    this.endSamples();
    const start = this.beginRecord(REC_HISTOGRAM);
    this.pending.uvarint(ref);
    this.pending.varint(t);
    writeHistogram(this.pending, h);
    this.endRecord(start);
    if (t > this.pendingMaxT) this.pendingMaxT = t;
  }

  /** One record per start timestamp (ref, t, t - st), after its sample's record. */
  startTimestamp(ref: number, t: number, st: number): void {
    this.endSamples();
    const start = this.beginRecord(REC_START_TIMESTAMP);
    this.pending.uvarint(ref);
    this.pending.varint(t);
    this.pending.varint(t - st);
    this.endRecord(start);
  }

  deletion(matchers: readonly LabelMatcher[], mint: number, maxt: number): void {
    this.endSamples();
    const start = this.beginRecord(REC_DELETION);
    this.pending.str(JSON.stringify({ matchers, mint, maxt }));
    this.endRecord(start);
  }

  private beginRecord(type: number): number {
    const w = this.pending;
    const start = w.length;
    w.byte(type);
    w.u32(0);
    w.u32(0);
    return start;
  }

  private endRecord(start: number): void {
    const w = this.pending;
    const len = w.length - start - HEADER;
    w.buf.writeUInt32BE(len, start + 1);
    w.buf.writeUInt32BE(crc32(w.buf.subarray(start + HEADER, w.length)), start + 5);
  }

  private endSamples(): void {
    if (this.samplesStart < 0) return;
    this.endRecord(this.samplesStart);
    this.samplesStart = -1;
  }

  /** Bytes waiting for `flush()`. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  /** Writes buffered records to the current segment and syncs it. Returns bytes written. */
  flush(): number {
    this.endSamples();
    const n = this.pending.length;
    if (n === 0) return 0;
    if (this.fd < 0) this.openSegment(this.segment === 0 ? 1 : this.segment);
    writeAll(this.fd, this.pending.result());
    fdatasyncSync(this.fd);
    const prev = this.segMaxT.get(this.segment) ?? -Infinity;
    this.segMaxT.set(this.segment, Math.max(prev, this.pendingMaxT));
    this.pending.length = 0;
    this.pendingMaxT = -Infinity;
    return n;
  }

  private openSegment(n: number): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.segment = n;
    this.fd = openSync(join(this.dir, segName(n)), 'a');
    if (!this.segMaxT.has(n)) this.segMaxT.set(n, -Infinity);
    fsyncDir(this.dir);
  }

  /**
   * Starts a new segment that begins with every live series (flushing what is pending into the
   * old one first), then deletes the oldest segments whose samples are all before `boundary`.
   * The segment is written with its dump as `<name>.tmp`, synced and renamed: were it created
   * empty and the dump written after, a kill in between would leave a segment whose samples use
   * refs that only older segments define, and replay would drop those samples once the older
   * segments are deleted.
   */
  roll(live: Iterable<{ ref: number; labels: Labels }>, boundary: number): void {
    this.flush();
    const next = this.segment + 1;
    const start = this.beginRecord(REC_PERSISTED);
    this.pending.byte(Number.isFinite(boundary) ? 1 : 0);
    this.pending.varint(Number.isFinite(boundary) ? boundary : 0);
    this.endRecord(start);
    for (const s of live) this.series(s.ref, s.labels);
    const name = join(this.dir, segName(next));
    const fd = openSync(`${name}.tmp`, 'w');
    try {
      writeAll(fd, this.pending.result());
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${name}.tmp`, name);
    this.pending.length = 0;
    this.openSegment(next);
    for (const n of [...this.segMaxT.keys()].sort((a, b) => a - b)) {
      if (n === this.segment || this.segMaxT.get(n)! >= boundary) break;
      rmSync(join(this.dir, segName(n)), { force: true });
      this.segMaxT.delete(n);
    }
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A sample's ref and timestamp-delta varints (10 bytes each at most), stale flag and value. */
const MAX_SAMPLE_BYTES = 29;

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** Doubles the writer's buffer (as ByteWriter grows; its own method is private). */
function grow(w: ByteWriter): void {
  const next = Buffer.allocUnsafe(w.buf.length * 2);
  w.buf.copy(next, 0, 0, w.length);
  w.buf = next;
}

function segName(n: number): string {
  return String(n).padStart(8, '0');
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => /^\d{8}$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The persisted marker a segment starts with (undefined: none, or not readable as one). */
function readMarker(path: string): number | undefined {
  const fd = openSync(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(HEADER + 11);
    head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
  if (head.length < HEADER || head[0] !== REC_PERSISTED) return undefined;
  const end = HEADER + head.readUInt32BE(1);
  if (end > head.length || crc32(head.subarray(HEADER, end)) !== head.readUInt32BE(5)) return undefined;
  const r = new ByteReader(head, path, HEADER, end);
  const finite = r.byte() === 1;
  const value = r.varint();
  return finite ? value : -Infinity;
}

/**
 * Replays one segment; returns its newest sample timestamp. A torn record at the end of the last
 * segment (a crash during write) is cut off; anywhere else it is corruption.
 */
function replaySegment(path: string, h: WalReplayHandler, last: boolean, skipBefore: number): number {
  const buf = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
  let pos = 0;
  let maxT = -Infinity;
  while (pos < buf.length) {
    const bad = (reason: string): never => {
      throw new CorruptionError(path, pos, reason);
    };
    if (pos + HEADER > buf.length) {
      if (last) break;
      bad('truncated record header');
    }
    const type = buf[pos];
    const len = buf.readUInt32BE(pos + 1);
    const crc = buf.readUInt32BE(pos + 5);
    const end = pos + HEADER + len;
    if (end > buf.length || crc32(buf.subarray(pos + HEADER, end)) !== crc) {
      if (last) break;
      bad('record checksum mismatch');
    }
    const r = new ByteReader(buf, path, pos + HEADER, end);
    if (type === REC_SERIES) {
      const ref = r.uvarint();
      const n = r.uvarint();
      const labels: Record<string, string> = {};
      for (let i = 0; i < n; i++) labels[r.str()] = r.str();
      h.series(ref, labels);
    } else if (type === REC_SAMPLES) {
      let t = 0;
      while (r.pos < end) {
        const ref = r.uvarint();
        t += r.varint();
        const stale = r.byte() === 1;
        const v = stale ? NaN : r.f64();
        if (t > maxT) maxT = t;
        if (t >= skipBefore) h.sample(ref, t, v, stale);
      }
    } else if (type === REC_HISTOGRAM) {
      const hr = new ByteReader(buf, path, pos + HEADER, end);
      const ref = hr.uvarint();
      const t = hr.varint();
      const hist = readHistogram(hr);
      if (t > maxT) maxT = t;
      if (t >= skipBefore) h.histogram?.(ref, t, hist);
    } else if (type === REC_START_TIMESTAMP) {
      const ref = r.uvarint();
      const t = r.varint();
      const st = t - r.varint();
      if (t >= skipBefore) h.startTimestamp?.(ref, t, st);
    } else if (type === REC_DELETION) {
      const d = JSON.parse(r.str()) as { matchers: LabelMatcher[]; mint: number; maxt: number };
      h.deletion(d.matchers, d.mint, d.maxt);
    } else if (type === REC_PERSISTED) {
      // read before replay (readMarker)
    } else bad(`unknown record type ${type}`);
    pos = end;
  }
  if (pos < buf.length) {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, pos);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return maxT;
}
