import { useApi } from '../api';
import { LoadedView } from '../components/loaded';
import type { PageProps } from '../shell';

const RUNTIME_NAMES: Readonly<Record<string, string>> = {
  startTime: 'Start time',
  CWD: 'Working directory',
  reloadConfigSuccess: 'Configuration reload',
  lastConfigTime: 'Last successful configuration reload',
  corruptionCount: 'WAL corruptions',
  goroutineCount: 'Goroutines',
  GOMAXPROCS: 'GOMAXPROCS',
  GOMEMLIMIT: 'GOMEMLIMIT',
  GOGC: 'GOGC',
  GODEBUG: 'GODEBUG',
  storageRetention: 'Storage retention',
};

/** Runtime and build information (/api/v1/status/runtimeinfo and /buildinfo). */
export default function StatusPage(_: PageProps) {
  const [runtime] = useApi<Record<string, unknown>>('/api/v1/status/runtimeinfo');
  const [build] = useApi<Record<string, string>>('/api/v1/status/buildinfo');
  return (
    <>
      <h1>Runtime & build information</h1>
      <h2>Runtime information</h2>
      <LoadedView loaded={runtime}>
        {(info) => (
          <table class="kv" data-testid="runtime-info">
            <tbody>
              {Object.entries(info).map(([k, v]) => (
                <tr key={k}>
                  <th>{RUNTIME_NAMES[k] ?? k}</th>
                  <td>{k === 'reloadConfigSuccess' ? (v === true ? 'Successful' : 'Unsuccessful') : String(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      <h2>Build information</h2>
      <LoadedView loaded={build}>
        {(info) => (
          <table class="kv" data-testid="build-info">
            <tbody>
              {Object.entries(info).map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
    </>
  );
}
