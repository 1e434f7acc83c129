import { findTemporalCli } from '../../scripts/lib/temporal-cli';
import { findMediaTools } from '../../scripts/lib/ffmpeg';
import { buildDashboard } from '../../scripts/lib/web-build';

/**
 * Runs once before the suite: checks that the tools the tests use are here and tells the test files where the
 * Temporal CLI is. `npm test` runs `npm run setup` first, which installs whatever is missing.
 */
export default function globalSetup(): void {
  const cli = findTemporalCli();
  const { ffmpeg, ffprobe } = findMediaTools();
  const missing = [cli ? null : 'the Temporal CLI', ffmpeg ? null : 'ffmpeg', ffprobe ? null : 'ffprobe'].filter(
    Boolean,
  );
  if (missing.length > 0) {
    throw new Error(`Tests need ${missing.join(', ')}: run \`npm run setup\` (npm test does so itself).`);
  }
  process.env['REPROCESS_TEST_TEMPORAL_CLI'] = cli ?? '';
  // The API serves the dashboard's bundle; the browser tests load it.
  buildDashboard();
}
