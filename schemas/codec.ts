import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { RecordDecodeError } from './errors.js';
import { fingerprintBytes } from './fingerprint.js';

/** Avro single-object encoding: 0xC3 0x01, the writer schema's CRC-64-AVRO fingerprint, the body. */
const MARKER0 = 0xc3;
const MARKER1 = 0x01;
const HEADER = 10;

/** Reads an `.avsc` file that sits beside this module (the build copies them into dist/). */
export function loadSchema(fileName: string): avro.Type {
  const text = readFileSync(new URL(`./${fileName}`, import.meta.url), 'utf8');
  return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
}

interface Writer {
  readonly fingerprint: Buffer;
  /** Decodes a body written with this writer's schema into the reader's shape. */
  readonly resolver: avro.Resolver | undefined;
}

/**
 * Encodes values with the current (reader) schema and decodes bytes written with it or with any
 * older schema it knows, resolving them to the current shape (Avro schema resolution: fields an
 * older writer lacks take their defaults).
 */
export class SingleObjectCodec<T> {
  /** Marker and writer fingerprint: what every record of this codec starts with. */
  readonly header: Buffer;
  private readonly writers = new Map<string, Writer>();

  constructor(
    private readonly reader: avro.Type,
    olderWriters: readonly avro.Type[] = [],
  ) {
    this.header = Buffer.concat([Buffer.from([MARKER0, MARKER1]), fingerprintOf(reader)]);
    this.writers.set(fingerprintOf(reader).toString('hex'), { fingerprint: fingerprintOf(reader), resolver: undefined });
    for (const w of olderWriters) {
      const fp = fingerprintOf(w);
      this.writers.set(fp.toString('hex'), { fingerprint: fp, resolver: reader.createResolver(w) });
    }
  }

  encode(value: T): Buffer {
    const body = this.reader.toBuffer(value);
    const out = Buffer.allocUnsafe(HEADER + body.length);
    this.header.copy(out, 0);
    body.copy(out, HEADER);
    return out;
  }

  decode(bytes: Buffer): T {
    if (bytes.length < HEADER || bytes[0] !== MARKER0 || bytes[1] !== MARKER1) {
      throw new RecordDecodeError(
        `not Avro single-object encoding: expected marker c3 01, got ${bytes.subarray(0, 2).toString('hex') || 'empty record'}`,
      );
    }
    const fp = bytes.toString('hex', 2, HEADER);
    const writer = this.writers.get(fp);
    if (writer === undefined) {
      throw new RecordDecodeError(`unknown writer schema fingerprint ${fp} (reader ${this.reader.name ?? 'anonymous'})`);
    }
    try {
      const body = bytes.subarray(HEADER);
      const { value, offset } = this.reader.decode(body, 0, writer.resolver) as {
        value: T;
        offset: number;
      };
      if (offset !== body.length) {
        throw new RecordDecodeError(`Avro body truncated or has trailing bytes (decoded ${offset} of ${body.length})`);
      }
      return value;
    } catch (err) {
      if (err instanceof RecordDecodeError) throw err;
      throw new RecordDecodeError(`invalid Avro body for schema ${fp}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function fingerprintOf(type: avro.Type): Buffer {
  return fingerprintBytes(JSON.stringify(type.schema()));
}
