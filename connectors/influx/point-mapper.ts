import { setLabel } from '../../schemas/index.js';
import type { InfluxConfig } from './config.js';
import type { LinePoint } from './line-parser.js';

/**
 * Maps a line protocol point to Prometheus series as VictoriaMetrics does: one series per numeric
 * field named `{measurement}{separator}{field}`, tags as labels, and the `db` query arg as a
 * label unless the line has a tag of that name. Names that break Prometheus' rules (Influx allows
 * any characters) have each offending character replaced by `_`, as Prometheus' own translators
 * do, so every stored series stays queryable with PromQL.
 */
export class PointMapper {
  private readonly nameCache = new Map<string, string>();

  constructor(private readonly config: InfluxConfig) {}

  /** Calls `emit` once per field with the series' labels and the field value. */
  map(point: LinePoint, db: string | null, emit: (labels: Record<string, string>, value: number) => void): void {
    const { measurement_field_separator: sep, skip_single_field: single, skip_measurement: noMeasurement, db_label: dbLabel } = this.config;
    const base: Record<string, string> = {};
    for (const [k, v] of point.tags) setLabel(base, this.labelName(k), v);
    if (db !== null && db !== '' && base[dbLabel] === undefined) base[dbLabel] = db;
    const onlyOne = single && point.fields.length === 1;
    for (const [field, value] of point.fields) {
      const raw = noMeasurement ? field : onlyOne ? point.measurement : `${point.measurement}${sep}${field}`;
      emit({ ...base, __name__: this.metricName(raw) }, value);
    }
  }

  private metricName(raw: string): string {
    let name = this.nameCache.get(raw);
    if (name === undefined) {
      name = raw.replace(/[^a-zA-Z0-9_:]/g, '_');
      if (/^[0-9]/.test(name)) name = `_${name}`;
      if (this.nameCache.size > 100_000) this.nameCache.clear();
      this.nameCache.set(raw, name);
    }
    return name;
  }

  private labelName(raw: string): string {
    let name = raw.replace(/[^a-zA-Z0-9_]/g, '_');
    if (/^[0-9]/.test(name)) name = `_${name}`;
    return name;
  }
}
