/**
 * Queries run against Prometheus and Tidemark by the side-by-side test: every function family,
 * aggregation and operator kind, subqueries, offset and @. Experimental or 3.x-only functions
 * are left out (the peer is Prometheus 2.42).
 */
export const SIDE_BY_SIDE_QUERIES: readonly string[] = [
  // selectors, offset, @
  'http_requests_total',
  'node_temperature_celsius{sensor="cpu", instance=~"h[02]"}',
  'http_requests_total offset 10m',
  'http_requests_total @ 1704070837',
  'rate(http_requests_total[5m] @ end())',
  'rate(http_requests_total[5m] @ start())',
  'http_requests_total offset -5m',
  // counters
  'rate(http_requests_total[5m])',
  'irate(http_requests_total[5m])',
  'increase(http_requests_total[10m])',
  'resets(http_requests_total[30m])',
  'changes(node_temperature_celsius[10m])',
  // gauges
  'delta(node_temperature_celsius[10m])',
  'idelta(node_temperature_celsius[5m])',
  'deriv(node_temperature_celsius[15m])',
  'predict_linear(node_temperature_celsius[30m], 3600)',
  // *_over_time
  'avg_over_time(node_temperature_celsius[10m])',
  'min_over_time(node_temperature_celsius[10m])',
  'max_over_time(node_temperature_celsius[10m])',
  'sum_over_time(node_temperature_celsius[10m])',
  'count_over_time(node_temperature_celsius[10m])',
  'quantile_over_time(0.9, node_temperature_celsius[20m])',
  'stddev_over_time(node_temperature_celsius[20m])',
  'stdvar_over_time(node_temperature_celsius[20m])',
  'last_over_time(node_temperature_celsius[10m])',
  'present_over_time(node_temperature_celsius[10m])',
  'absent_over_time(nonexistent_metric[10m])',
  // histograms
  'histogram_quantile(0.9, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
  'histogram_quantile(0.5, rate(request_duration_seconds_bucket[10m]))',
  'histogram_quantile(0.99, sum by (le, instance) (increase(request_duration_seconds_bucket[15m])))',
  'rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])',
  // aggregations
  'sum by (instance) (rate(http_requests_total[5m]))',
  'sum without (code) (http_requests_total)',
  'avg by (sensor) (node_temperature_celsius)',
  'min by (sensor) (node_temperature_celsius)',
  'max(node_temperature_celsius)',
  'count by (code) (http_requests_total)',
  'group by (instance) (http_requests_total)',
  'stddev by (sensor) (node_temperature_celsius)',
  'stdvar(node_temperature_celsius)',
  'topk(3, rate(http_requests_total[5m]))',
  'bottomk(2, node_temperature_celsius)',
  'topk by (code) (1, http_requests_total)',
  'quantile(0.75, node_temperature_celsius)',
  'quantile by (sensor) (0.25, node_temperature_celsius)',
  'count_values("deg", floor(node_temperature_celsius))',
  // ceil(-0.4) is -0: Prometheus writes the label value "-0"
  'count_values("deg", ceil(node_temperature_celsius))',
  // binary operators and vector matching
  'http_requests_total{code="500"} / ignoring (code) http_requests_total{code="200"}',
  'sum by (instance) (rate(http_requests_total[5m])) * on (instance) group_left (version) node_info',
  'node_info * on (instance) group_right (version) sum by (instance, code) (http_requests_total)',
  'node_temperature_celsius > 40',
  'node_temperature_celsius > bool 40',
  'node_temperature_celsius{sensor="cpu"} - on (instance) node_temperature_celsius{sensor="board"}',
  'http_requests_total{code="500"} and on (instance) node_info{version="1.0"}',
  'node_temperature_celsius{sensor="cpu"} or node_info',
  'http_requests_total unless on (instance) node_info{version="1.1"}',
  '2 ^ (node_temperature_celsius{sensor="board"} / 10) % 3',
  '-node_temperature_celsius + 1',
  // Aggregated first: Prometheus 2.42 kept the metric name on atan2, 3.x (Tidemark's reference) drops it.
  'sum by (instance) (node_temperature_celsius{sensor="board"}) atan2 2',
  // labels
  'label_replace(node_temperature_celsius, "host", "$1-x", "instance", "h(.*)")',
  'label_join(node_info, "id", "/", "instance", "version")',
  // math
  'abs(node_temperature_celsius)',
  'ceil(node_temperature_celsius)',
  'floor(node_temperature_celsius)',
  'round(node_temperature_celsius, 0.5)',
  'exp(node_temperature_celsius{sensor="board"} / 10)',
  'ln(node_temperature_celsius{sensor="cpu"})',
  'log2(http_requests_total)',
  'log10(http_requests_total)',
  'sqrt(node_temperature_celsius{sensor="cpu"})',
  'sgn(node_temperature_celsius)',
  'clamp(node_temperature_celsius, 0, 45)',
  'clamp_min(node_temperature_celsius, 0)',
  'clamp_max(node_temperature_celsius, 10)',
  'sin(node_temperature_celsius) + cos(node_temperature_celsius) + deg(node_temperature_celsius) - rad(node_temperature_celsius) * pi()',
  // time and conversion
  'time()',
  'timestamp(node_temperature_celsius)',
  'minute()',
  'hour(timestamp(node_info))',
  'day_of_week()',
  'day_of_month()',
  'days_in_month()',
  'month()',
  'year()',
  'vector(time()) - scalar(max(node_info))',
  'scalar(sum(rate(http_requests_total[5m])))',
  'absent(nonexistent_metric{job="x"})',
  'sort_desc(sum by (instance) (http_requests_total))',
  // subqueries
  'max_over_time(rate(http_requests_total[5m])[30m:1m])',
  'avg_over_time(sum by (sensor) (node_temperature_celsius)[20m:2m])',
  'min_over_time(deriv(node_temperature_celsius[10m])[15m:] offset 5m)',
];

/**
 * Queries where Tidemark's engine still answers differently, with the reason. The test asserts
 * they still differ, so a fix shows up as a failure asking to move the query into the list above.
 */
export const KNOWN_DIFFERENCES: readonly { readonly query: string; readonly why: string }[] = [];
