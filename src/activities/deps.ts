/** What the activities need from the outside world; the worker builds it from Config, tests build their own. */
export interface ActivityDeps {
  dataDir: string;
  ffmpegPath: string;
  ffprobePath: string;
  probeTimeoutMs: number;
}
