// `npm run build` (after tsc) and `npm run api`: bundles the dashboard's script.
import { buildDashboard } from './lib/web-build';

console.log(`reprocess: dashboard built (${buildDashboard()})`);
