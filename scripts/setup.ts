// Makes this machine ready to run and test reprocess: ffmpeg/ffprobe and the Temporal CLI, and with --browser (as
// `npm test` asks) the Chromium the dashboard's tests drive. Safe to run again.
import { ensureChromium } from './lib/chromium';
import { ensureMediaTools } from './lib/ffmpeg';
import { ensureTemporalCli } from './lib/temporal-cli';

const log = (message: string) => console.log(`reprocess: ${message}`);

async function run(): Promise<void> {
  ensureMediaTools(log);
  await ensureTemporalCli(log);
  if (process.argv.includes('--browser')) ensureChromium(log);
}

run().catch((error: unknown) => {
  console.error(`reprocess setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
