/** `name{a="x", b="y"}`, as Prometheus writes a series. */
export function seriesName(metric: Readonly<Record<string, string>>): string {
  const { __name__: name, ...labels } = metric;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name ?? ''}{${inner}}`;
}

/** Label pairs as badges. */
export function LabelBadges({ labels }: { labels: Readonly<Record<string, string>> }) {
  return (
    <span class="labels">
      {Object.entries(labels).map(([k, v]) => (
        <span class="label" key={k}>
          {k}="{v}"
        </span>
      ))}
    </span>
  );
}
