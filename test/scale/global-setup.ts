import { ensureTemporalServer } from '../../scripts/lib/temporal-server';
import globalSetup from '../helpers/global-setup';

/** The tools every suite needs, and the Temporal server and its SQL tool (built once and cached if missing). */
export default async function scaleSetup(): Promise<void> {
  globalSetup();
  await ensureTemporalServer((message) => console.log(`reprocess: ${message}`));
}
