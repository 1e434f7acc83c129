// npm run doctor [-- --json] — checks a deployment's configuration and dependencies before it takes traffic:
// every variable, the media tools and their codecs, DATA_DIR, Temporal and its search attribute, the catalog and
// its migrations, the API's binding. Exit code 1 when any check fails.
import { formatResults, runDoctor, worstLevel } from '../src/doctor';

async function run(): Promise<void> {
  const results = await runDoctor();
  const worst = worstLevel(results);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ status: worst, checks: results }, null, 2));
  else
    console.log(
      `${formatResults(results)}\n\n${worst === 'fail' ? 'FAIL' : worst === 'warn' ? 'OK, with warnings' : 'OK'}`,
    );
  process.exitCode = worst === 'fail' ? 1 : 0;
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
