import { promises as fs } from 'node:fs';
import path from 'node:path';
import { currentLink } from '../media/layout';
import { MANIFEST_FILE, PublishedManifest } from '../media/manifest';
import { TASK_STATUSES, STEP_NAMES, type StepName, type TaskStatus } from '../progress';
import type { TaskRow, VideoRow } from '../store';
import type { RunRecord, VideoResponse } from './models';
import { presentNotify } from './present';
import { statusUrl } from './videos';
import type { DeliveryState } from '../workflows/definitions';

/** A run as the history lists it. */
export function presentRun(row: TaskRow): RunRecord {
  const steps = parseJson<unknown[]>(row.steps) ?? [];
  return {
    run_id: row.run_id,
    video_id: row.video_id,
    status: (TASK_STATUSES as readonly string[]).includes(row.status) ? (row.status as TaskStatus) : 'running',
    progress: row.progress,
    steps: steps.filter((step): step is StepName => STEP_NAMES.includes(step as StepName)),
    error: row.error,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    updated_at: row.updated_at,
    attempts: attemptsOf(row),
    ...notifyOf(row),
  };
}

/** The steps' attempts as the run's last recorded state has them (a ProgressState, or a snapshot the API saw). */
function attemptsOf(row: TaskRow): RunRecord['attempts'] {
  const state = parseJson<{ steps?: unknown; subtasks?: unknown }>(row.snapshot);
  const steps = state?.steps ?? state?.subtasks;
  if (!Array.isArray(steps)) return null;
  const attempts = steps.map((step) => (step as { attempt?: unknown }).attempt).filter(isCount);
  return {
    total: attempts.reduce((sum, attempt) => sum + attempt, 0),
    retries: attempts.reduce((sum, attempt) => sum + Math.max(0, attempt - 1), 0),
  };
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** The delivery's outcome as the run's row keeps it (its state and the callback's host). */
function notifyOf(row: TaskRow): { notify?: RunRecord['notify'] } {
  const kept = parseJson<DeliveryState & { urlHost?: string }>(row.notify);
  return kept ? { notify: presentNotify(kept.urlHost ?? '', kept) } : {};
}

/** A video with its published outputs (read from the current run's manifest) and its latest run. */
export async function presentVideo(
  dataDir: string,
  video: VideoRow,
  latest: TaskRow | undefined,
): Promise<VideoResponse> {
  return {
    id: video.id,
    title: video.title,
    size_bytes: video.size_bytes,
    info: parseJson(video.info),
    created_at: video.created_at,
    updated_at: video.updated_at,
    outputs: await publishedOutputs(dataDir, video.id),
    latest_run: latest ? presentRun(latest) : null,
    status_url: statusUrl(video.id),
  };
}

async function publishedOutputs(dataDir: string, videoId: string): Promise<VideoResponse['outputs']> {
  const current = currentLink(dataDir, videoId);
  const text = await fs.readFile(path.join(current, MANIFEST_FILE), 'utf8').catch(() => null);
  // Nothing published yet, or a manifest that is not one (a folder put in place by hand): no outputs to list.
  const parsed = PublishedManifest.safeParse(parseJson(text));
  if (!parsed.success) return null;
  const manifest = parsed.data;
  // Run folders never change once published, so their URLs can be cached for good; `current` may switch.
  const base = `/media/${videoId}/runs/${manifest.run_id}/`;
  const files = manifest.files.map((file) => ({ path: file.path, url: base + file.path, size_bytes: file.bytes }));
  const find = (name: string) => (manifest.files.some((file) => file.path === name) ? base + name : null);
  return {
    run_id: manifest.run_id,
    base_url: base,
    master_playlist_url: find('master.m3u8'),
    poster_url: find('poster.jpg'),
    manifest_url: `${base}${MANIFEST_FILE}`,
    files,
  };
}

function parseJson<T = unknown>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
