import { render } from 'preact';
import { PAGES, PAGES_META } from '../pages';
import { Shell } from './shell';
// CSS of lazily loaded pages would not be loaded by their chunks: all of it is in the entry's stylesheet.
import 'uplot/dist/uPlot.min.css';
import './styles.css';

// The server names the pages this role serves (see ops/server/web-ui.ts).
const served = new Set((document.querySelector(`meta[name="${PAGES_META}"]`)?.getAttribute('content') ?? '').split(','));
const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(<Shell pages={PAGES.filter((p) => served.has(p.id))} />, root);
