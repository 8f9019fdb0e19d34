import { useEffect } from 'preact/hooks';
import { useApi } from '../api';
import { LoadedView } from '../components/loaded';
import type { PageProps } from '../shell';

interface BusStatus {
  readonly type: string;
  readonly topics: { name: string; records: number; partitions: { partition: number; low: number; high: number }[] }[];
  readonly groups: {
    group: string;
    topic: string;
    members: number | null;
    lag: number;
    partitions: { partition: number; committed: number; applied: number; high: number; lag: number; durableLag: number; member: string | null }[];
  }[];
}

/**
 * The bus (/api/v1/status/bus): topics with each partition's offsets, and consumer groups with
 * their committed (durable) and applied offsets and lag per partition, refreshed every 5 s.
 */
export default function BusPage(_: PageProps) {
  const [loaded, reload] = useApi<BusStatus>('/api/v1/status/bus');
  useEffect(() => {
    const t = setInterval(reload, 5000);
    return () => clearInterval(t);
  }, []);
  return (
    <>
      <h1>Bus</h1>
      <LoadedView loaded={loaded}>
        {(s) => (
          <>
            <p class="muted">
              {s.type === 'kafka' ? 'Kafka' : 'Embedded bus'}: {s.topics.length} topics, {s.groups.length} consumer groups.
            </p>
            <h2>Topics</h2>
            <table data-testid="topics">
              <thead>
                <tr>
                  <th>Topic</th>
                  <th>Partitions</th>
                  <th>Records retained</th>
                  <th>Offsets per partition (low – high)</th>
                </tr>
              </thead>
              <tbody>
                {s.topics.map((t) => (
                  <tr key={t.name} data-topic={t.name}>
                    <td>
                      <code>{t.name}</code>
                    </td>
                    <td class="value">{t.partitions.length}</td>
                    <td class="value">{t.records}</td>
                    <td>
                      {t.partitions.map((p) => (
                        <span class="label" key={p.partition} title={`partition ${p.partition}`}>
                          {p.partition}: {p.low}–{p.high}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Consumer groups</h2>
            {s.groups.length === 0 && <p class="muted">No consumer group.</p>}
            {s.groups.map((g) => (
              <details class="group" open key={`${g.group}/${g.topic}`} data-testid="consumer-group" data-group={g.group} data-topic={g.topic}>
                <summary>
                  <code>{g.group}</code> on <code>{g.topic}</code>{' '}
                  <span class={`badge ${g.lag === 0 ? 'ok' : 'pending'}`} data-testid="group-lag">
                    lag {g.lag}
                  </span>{' '}
                  <span class="muted">{g.members === null ? 'members unknown' : `${g.members} member${g.members === 1 ? '' : 's'}`}</span>
                </summary>
                <table>
                  <thead>
                    <tr>
                      <th>Partition</th>
                      <th>Committed</th>
                      <th>Applied</th>
                      <th>High watermark</th>
                      <th>Lag</th>
                      <th>Past committed</th>
                      <th>Member</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.partitions.map((p) => (
                      <tr key={p.partition} data-partition={p.partition}>
                        <td class="value">{p.partition}</td>
                        <td class="value">{p.committed < 0 ? 'none' : p.committed}</td>
                        <td class="value">{p.applied < 0 ? 'none' : p.applied}</td>
                        <td class="value">{p.high}</td>
                        <td class="value" data-testid="partition-lag">
                          {p.lag}
                        </td>
                        <td class="value">{p.durableLag}</td>
                        <td>{p.member === null ? <span class="muted">–</span> : <code>{p.member}</code>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ))}
          </>
        )}
      </LoadedView>
    </>
  );
}
