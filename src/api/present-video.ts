import { promises as fs } from 'node:fs';
import path from 'node:path';
import { currentLink } from '../media/layout';
import { TASK_STATUSES, STEP_NAMES, type StepName, type TaskStatus } from '../progress';
import type { TaskRow, VideoRow } from '../store';
import type { RunRecord, VideoResponse } from './models';
import { statusUrl } from './videos';

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
  };
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

interface Manifest {
  run_id: string;
  files: { path: string; bytes: number }[];
}

async function publishedOutputs(dataDir: string, videoId: string): Promise<VideoResponse['outputs']> {
  const current = currentLink(dataDir, videoId);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fs.readFile(path.join(current, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
  // Run folders never change once published, so their URLs can be cached for good; `current` may switch.
  const base = `/media/${videoId}/runs/${manifest.run_id}/`;
  const files = manifest.files.map((file) => ({ path: file.path, url: base + file.path, size_bytes: file.bytes }));
  const find = (name: string) => (manifest.files.some((file) => file.path === name) ? base + name : null);
  return {
    run_id: manifest.run_id,
    base_url: base,
    master_playlist_url: find('master.m3u8'),
    poster_url: find('poster.jpg'),
    manifest_url: `${base}manifest.json`,
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
