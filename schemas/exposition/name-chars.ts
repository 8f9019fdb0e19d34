/** Character classes of metric and label names (legacy Prometheus rules, by UTF-16 code unit). */

/** `[a-zA-Z_:]`: may start a metric name. */
export function isMetricNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

/** `[a-zA-Z0-9_:]`: may continue a metric name. */
export function isMetricNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 58;
}

/** `[a-zA-Z_]`: may start a label name. */
export function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** `[a-zA-Z0-9_]`: may continue a label name. */
export function isLabelNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** End (exclusive) of the metric name starting at `i`; `i` itself when none starts there. */
export function scanMetricName(s: string, i: number, end: number): number {
  if (i >= end || !isMetricNameStart(s.charCodeAt(i))) return i;
  i++;
  while (i < end && isMetricNameChar(s.charCodeAt(i))) i++;
  return i;
}

/** End (exclusive) of the label name starting at `i`; `i` itself when none starts there. */
export function scanLabelName(s: string, i: number, end: number): number {
  if (i >= end || !isLabelNameStart(s.charCodeAt(i))) return i;
  i++;
  while (i < end && isLabelNameChar(s.charCodeAt(i))) i++;
  return i;
}

/** True when `word` occurs at `i` (a char compare: `startsWith` at an offset is slower in V8). */
export function textAt(s: string, i: number, word: string): boolean {
  const n = word.length;
  if (i + n > s.length) return false;
  for (let k = 0; k < n; k++) if (s.charCodeAt(i + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** True when `word` occurs at `i` and is not followed by another metric-name character. */
export function nameAt(s: string, i: number, end: number, word: string): boolean {
  const j = i + word.length;
  if (j > end || !textAt(s, i, word)) return false;
  return j === end || !isMetricNameChar(s.charCodeAt(j));
}

/** True when label name `word` occurs at `i` and is not followed by another label-name character. */
export function labelNameAt(s: string, i: number, end: number, word: string): boolean {
  const j = i + word.length;
  if (j > end || !textAt(s, i, word)) return false;
  return j === end || !isLabelNameChar(s.charCodeAt(j));
}
