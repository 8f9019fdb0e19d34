import { useApi } from '../api';
import { LoadedView } from '../components/loaded';
import type { PageProps } from '../shell';

/** The configuration in force (/api/v1/status/config), as YAML with secrets hidden by the server. */
export default function ConfigPage(_: PageProps) {
  const [loaded] = useApi<{ yaml: string }>('/api/v1/status/config');
  return (
    <>
      <h1>Configuration</h1>
      <LoadedView loaded={loaded}>
        {({ yaml }) => (
          <>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(yaml)}>
              Copy to clipboard
            </button>
            <pre class="config" data-testid="config">
              {yaml}
            </pre>
          </>
        )}
      </LoadedView>
    </>
  );
}
