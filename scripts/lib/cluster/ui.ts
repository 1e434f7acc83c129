import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ClusterStartError } from './errors';
import { assertPortsFree } from './ports';
import { ManagedProcess } from './processes';
import { CONFIG_ENV } from './server-config';

export interface TemporalUiOptions {
  /** The frontend it shows, e.g. a TemporalCluster's address. */
  address: string;
  port: number;
  /** The namespace it opens on. */
  namespace: string;
  /** Where its config/ folder is written. */
  dir: string;
  log: (message: string) => void;
  /** It exited without being asked to; by default `log` tells, with its last output. */
  onUnexpectedExit?: (why: string, output: string) => void;
}

/** The Temporal web UI (github.com/temporalio/ui-server), as the CLI's dev server runs it, for a cluster. */
export class TemporalUi {
  /** Where a browser opens it. */
  readonly url: string;

  private constructor(
    private readonly managed: ManagedProcess,
    port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Writes its config, starts it and waits until it answers. */
  static async start(uiServer: string, options: TemporalUiOptions): Promise<TemporalUi> {
    const configDir = path.join(options.dir, 'config');
    await fs.mkdir(configDir, { recursive: true });
    const config = {
      temporalGrpcAddress: options.address,
      host: '127.0.0.1',
      port: options.port,
      enableUi: true,
      defaultNamespace: options.namespace,
      // Plain HTTP on loopback, as the dev server's UI: its CSRF cookie must not demand HTTPS.
      cors: { cookieInsecure: true },
      hideLogs: true,
    };
    await fs.writeFile(path.join(configDir, `${CONFIG_ENV}.yaml`), `${JSON.stringify(config, null, 2)}\n`);
    await assertPortsFree({ 'Temporal UI': options.port });
    const managed = new ManagedProcess(
      uiServer,
      ['--root', options.dir, '--config', 'config', '--env', CONFIG_ENV, 'start'],
      options.dir,
      null,
      (why, output) =>
        options.onUnexpectedExit
          ? options.onUnexpectedExit(why, output)
          : options.log(`the Temporal UI ${why}; its last output:\n${output}`),
    );
    const ui = new TemporalUi(managed, options.port);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (managed.ended !== null) {
        throw new ClusterStartError(`The Temporal UI ${managed.ended}; its last output:`, managed.output.text());
      }
      const answered = await fetch(ui.url, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (answered) return ui;
      if (Date.now() > deadline) {
        await managed.stop(5_000);
        throw new ClusterStartError(`The Temporal UI did not answer on ${ui.url} within 30 s`, managed.output.text());
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    await this.managed.stop(10_000);
  }
}
