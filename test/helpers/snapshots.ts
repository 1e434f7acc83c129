import type { TaskProgressResponse } from '../../src/api/models';

/** A made-up progress answer of video `v`, run `r1`: `seq` steps of 10 %, for tests of what carries answers. */
export function snapshot(seq: number, status: TaskProgressResponse['status'] = 'running'): TaskProgressResponse {
  return {
    video_id: 'v',
    workflow_id: 'v',
    run_id: 'r1',
    status,
    progress: Math.min(100, seq * 10),
    current_step: null,
    subtasks: [],
    started_at: null,
    updated_at: null,
    finished_at: null,
    eta_seconds: null,
    error: null,
    result: null,
    stale: false,
    message: null,
    seq,
  };
}
