import { useState } from 'preact/hooks';
import { useApi } from '../api';
import { LoadedView } from '../components/loaded';
import type { PageProps } from '../shell';

/** Command-line flags (/api/v1/status/flags), filterable by name or value. */
export default function FlagsPage(_: PageProps) {
  const [loaded] = useApi<Record<string, string>>('/api/v1/status/flags');
  const [filter, setFilter] = useState('');
  return (
    <>
      <h1>Command-line flags</h1>
      <div class="filters">
        <input type="search" placeholder="Filter by flag name or value" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </div>
      <LoadedView loaded={loaded}>
        {(flags) => (
          <table class="kv" data-testid="flags">
            <thead>
              <tr>
                <th>Flag</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(flags)
                .filter(([k, v]) => `${k} ${v}`.toLowerCase().includes(filter.toLowerCase()))
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => (
                  <tr key={k}>
                    <td>
                      <code>--{k}</code>
                    </td>
                    <td>
                      <code>{v}</code>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </LoadedView>
    </>
  );
}
