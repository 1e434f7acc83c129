// Makes this machine ready to run and test reprocess: ffmpeg/ffprobe and the Temporal CLI. Safe to run again.
import { ensureMediaTools } from './lib/ffmpeg';
import { ensureTemporalCli } from './lib/temporal-cli';

const log = (message: string) => console.log(`reprocess: ${message}`);

async function run(): Promise<void> {
  ensureMediaTools(log);
  await ensureTemporalCli(log);
}

run().catch((error: unknown) => {
  console.error(`reprocess setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
