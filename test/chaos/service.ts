import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AsyncTaskResponse, BatchAccepted, BatchResponse, TaskProgressResponse } from '../../src/api/models';
import { listedWhole } from '../../src/activities/transcode-resume';
import { listedSegments } from '../../src/media/hls-playlist';
import { eventually } from '../helpers/gate';
import { ffmpegWritingInto, videoFrames } from '../helpers/media';

export type Progress = ReturnType<typeof TaskProgressResponse.parse>;

/** One HTTP answer with how long it took; a request that gets no answer at all counts as status 0. */
export interface Answer {
  at: number;
  status: number;
  ms: number;
  body: unknown;
}

/** Talks to the running service over real HTTP, as a client would. */
export class Client {
  constructor(private readonly cluster: { readonly baseUrl: string }) {}

  async request(route: string, init: RequestInit = {}): Promise<Answer> {
    const at = Date.now();
    try {
      // A guard against a hang, far beyond any deadline the API keeps: an answer that never comes is a failure.
      const response = await fetch(`${this.cluster.baseUrl}${route}`, { ...init, signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: media files, the readiness text
      }
      return { at, status: response.status, ms: Date.now() - at, body };
    } catch (error) {
      return { at, status: 0, ms: Date.now() - at, body: String(error) };
    }
  }

  async upload(videoId: string, file: string): Promise<void> {
    const form = new FormData();
    form.set('id', videoId);
    form.set('file', new Blob([await fs.readFile(file)], { type: 'video/mp4' }), path.basename(file));
    const answer = await this.request('/api/v1/videos', { method: 'POST', body: form });
    if (answer.status !== 201) throw new Error(`upload of ${videoId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  async start(videoId: string, body: Record<string, unknown> = {}): Promise<string> {
    const answer = await this.request(`/api/v1/videos/${videoId}/run_sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status !== 202) throw new Error(`start of ${videoId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return AsyncTaskResponse.parse(answer.body).run_id;
  }

  async progress(videoId: string): Promise<Progress | null> {
    const answer = await this.request(`/api/v1/videos/${videoId}/reprocess`);
    return answer.status === 200 ? TaskProgressResponse.parse(answer.body) : null;
  }

  /** Starts a batch (`POST /api/v1/batches`); its id. */
  async startBatch(body: Record<string, unknown>): Promise<string> {
    const answer = await this.request('/api/v1/batches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status !== 202) throw new Error(`batch start: ${answer.status} ${JSON.stringify(answer.body)}`);
    return BatchAccepted.parse(answer.body).batch_id;
  }

  /** The batch as `GET /api/v1/batches/{id}` answers it (the catalog's last record, `stale`, while Temporal is down). */
  async batch(batchId: string): Promise<BatchResponse | null> {
    const answer = await this.request(`/api/v1/batches/${batchId}`);
    return answer.status === 200 ? BatchResponse.parse(answer.body) : null;
  }

  /** Polls until run `runId` has ended; its last answer. */
  async finished(videoId: string, runId: string, timeoutMs = 240_000): Promise<Progress> {
    return eventually(async () => {
      const progress = await this.progress(videoId);
      const done = progress?.run_id === runId && progress.finished_at !== null && !progress.stale;
      return done ? progress : undefined;
    }, timeoutMs);
  }
}

/**
 * Asks something again and again until stopped, e.g. the published playlist during faults, or the progress of a
 * run; keeps every answer.
 */
export class Poller {
  readonly answers: Answer[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(ask: () => Promise<Answer>, everyMs: number) {
    this.loop = (async () => {
      while (!this.stopped) {
        this.answers.push(await ask());
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<Answer[]> {
    this.stopped = true;
    await this.loop;
    return this.answers;
  }
}

/** Which of `videoIds` have an ffmpeg at work on them now (a step of their run is running, not queued). */
export async function videosAtWork(dataDir: string, videoIds: readonly string[]): Promise<string[]> {
  const folderOf = (videoId: string) => `${path.join(dataDir, 'media', videoId)}${path.sep}`;
  const pids = await ffmpegWritingInto(`${path.join(dataDir, 'media')}${path.sep}`);
  const commands = await Promise.all(pids.map((pid) => fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')));
  return videoIds.filter((videoId) => commands.some((command) => command.includes(folderOf(videoId))));
}

/** Where a run's outputs are staged, and where they are published. */
export function runFolders(dataDir: string, videoId: string, runId: string) {
  const video = path.join(dataDir, 'media', videoId);
  return { staging: path.join(video, 'staging', runId), published: path.join(video, 'runs', runId) };
}

/** A chunk of a run's transcode as its folders show it: finished, or being encoded by its latest attempt. */
export interface ChunkOnDisk {
  chunk: number;
  done: boolean;
  /** The first segment the chunk's attempt has listed (its own first), when it has listed any. */
  firstSegment: number | null;
  /** Seconds of media the latest attempt has whole in the rendition (read as a retry reads it). */
  wholeSeconds: number;
  /** When that attempt last finished a segment, and when its folder was made (ms since the epoch). */
  lastSegmentAt: number | null;
  startedAt: number;
}

/** Every chunk of a run's transcode that has a folder, as it stands on disk, for one rendition. */
export async function chunksOnDisk(staging: string, rendition: string): Promise<ChunkOnDisk[]> {
  const base = path.join(staging, 'chunks');
  const names = (await fs.readdir(base).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  const chunks: ChunkOnDisk[] = [];
  for (const name of names) {
    const folders = await fs.readdir(path.join(base, name)).catch(() => [] as string[]);
    const done = folders.includes('done');
    const latest = done
      ? 'done'
      : folders
          .filter((folder) => /^attempt-\d+$/.test(folder))
          .sort((a, b) => Number(b.slice(8)) - Number(a.slice(8)))[0];
    if (latest === undefined) continue;
    const dir = path.join(base, name, latest, rendition);
    const listing = await fs.readFile(path.join(dir, 'playlist.m3u8'), 'utf8').catch(() => '');
    const first = listedSegments(listing)[0]?.index ?? null;
    const whole = first === null ? [] : await listedWhole(dir, first);
    const stat = await fs.stat(path.join(dir, 'playlist.m3u8')).catch(() => null);
    const made = await fs.stat(path.join(base, name, latest));
    chunks.push({
      chunk: Number(name),
      done,
      firstSegment: first,
      wholeSeconds: whole.reduce((sum, segment) => sum + segment.seconds, 0),
      lastSegmentAt: stat?.mtimeMs ?? null,
      startedAt: made.birthtimeMs || made.ctimeMs,
    });
  }
  return chunks.sort((a, b) => a.chunk - b.chunk);
}

/** Waits until a run's chunks have `seconds` of media whole on disk in `rendition`, all chunks together. */
export async function encodedPast(staging: string, rendition: string, seconds: number): Promise<void> {
  await eventually(async () => {
    const chunks = await chunksOnDisk(staging, rendition);
    return chunks.reduce((sum, chunk) => sum + chunk.wholeSeconds, 0) >= seconds ? true : undefined;
  }, 180_000);
}

/**
 * Whether a published run's outputs are whole: every rendition is a VOD playlist of consecutive segments, all on
 * disk, that decodes to exactly the source's frames — nothing missing, nothing twice.
 */
export async function outputsAreWhole(
  folder: string,
  renditions: readonly string[],
  source: { frames: number; seconds: number },
  segmentSeconds: number,
): Promise<{ whole: boolean; problems: string[] }> {
  const problems: string[] = [];
  for (const name of ['master.m3u8', 'manifest.json']) {
    if (!(await exists(path.join(folder, name)))) problems.push(`${name} missing`);
  }
  for (const rendition of renditions) {
    const playlist = path.join(folder, rendition, 'playlist.m3u8');
    const text = await fs.readFile(playlist, 'utf8').catch(() => '');
    const segments = listedSegments(text);
    if (!text.includes('#EXT-X-PLAYLIST-TYPE:VOD') || !text.includes('#EXT-X-ENDLIST')) {
      problems.push(`${rendition}: not a finished VOD playlist`);
    }
    if (segments.length !== Math.ceil(source.seconds / segmentSeconds)) {
      problems.push(`${rendition}: ${segments.length} segments for ${source.seconds} s`);
    }
    if (segments.some((segment, i) => segment.index !== i)) problems.push(`${rendition}: segments out of order`);
    for (const segment of segments) {
      if (!(await exists(path.join(folder, rendition, segment.uri))))
        problems.push(`${rendition}: ${segment.uri} missing`);
    }
    const frames = await videoFrames(playlist).catch(() => NaN);
    if (frames !== source.frames) problems.push(`${rendition}: ${frames} frames, the source has ${source.frames}`);
  }
  return { whole: problems.length === 0, problems };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A uniformly random number in [low, high). */
export function between(low: number, high: number): number {
  return low + Math.random() * (high - low);
}
