// Where a run's time goes, read from its Temporal history: each milestone in ms after the POST was sent. Activities
// run as regular ones show scheduled/started/completed events; local ones show only a marker, whose data carries the
// completion time (the marker itself is written when the workflow task that ran them completes).
import { temporal } from '@temporalio/proto';
import { MEDIA_STEPS } from '../src/progress';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface Milestone {
  label: string;
  /** ms after the POST was sent; null when the run has no such event. */
  atMs: number | null;
}

/** The media steps' activities: the transcode's are its chunks, its audio renditions and the assembly. */
const TRANSCODE_PARTS = ['transcodeChunk', 'transcodeAudio', 'assembleLadder'];
const MEDIA = new Set<string>([...MEDIA_STEPS, ...TRANSCODE_PARTS]);

/** The run's milestones in order, from the POST to the client seeing the result. */
export function runTimeline(events: HistoryEvent[], postedAtMs: number, resultSeenAtMs: number): Milestone[] {
  const activities = activitySpans(events);
  const at = (ms: number | undefined) => (ms === undefined ? null : ms - postedAtMs);
  const first = (type: string) => events.find((event) => eventTypeName(event) === type);
  const ofType = (name: string) => activities.filter((span) => span.type === name);
  const media = activities.filter((span) => MEDIA.has(span.type));
  const min = (values: (number | undefined)[]) => pick(values, Math.min);
  const max = (values: (number | undefined)[]) => pick(values, Math.max);
  const probe = ofType('probe')[0];
  const publish = ofType('publish')[0];
  const finished = ofType('recordRunFinished')[0];
  return [
    { label: 'workflow started', atMs: at(timeOf(first('WORKFLOW_EXECUTION_STARTED'))) },
    { label: 'first workflow task started', atMs: at(timeOf(first('WORKFLOW_TASK_STARTED'))) },
    { label: `probe scheduled${probe?.local ? ' (local)' : ''}`, atMs: at(probe?.scheduledMs) },
    { label: 'probe started', atMs: at(probe?.startedMs) },
    { label: 'probe completed', atMs: at(probe?.completedMs) },
    { label: 'first media step started', atMs: at(min(media.map((span) => span.startedMs))) },
    { label: 'last media step started', atMs: at(max(media.map((span) => span.startedMs))) },
    ...MEDIA_STEPS.filter((step) => step !== 'transcode').map((step) => {
      const span = ofType(step)[0];
      const retried =
        (span?.attempt ?? 1) > 1 ? ` (attempt ${span?.attempt}; before: ${span?.lastFailure ?? '?'})` : '';
      return { label: `${step} completed${retried}`, atMs: at(span?.completedMs) };
    }),
    // The transcode of a run before chunks is one activity; a chunked one, its parts and then the assembly.
    { label: 'transcode (one activity) completed', atMs: at(ofType('transcode')[0]?.completedMs) },
    { label: 'first chunk completed', atMs: at(min(ofType('transcodeChunk').map((span) => span.completedMs))) },
    { label: 'audio renditions completed', atMs: at(ofType('transcodeAudio')[0]?.completedMs) },
    { label: 'last chunk completed', atMs: at(max(ofType('transcodeChunk').map((span) => span.completedMs))) },
    { label: 'ladder assembled', atMs: at(ofType('assembleLadder')[0]?.completedMs) },
    { label: 'last media step completed', atMs: at(max(media.map((span) => span.completedMs))) },
    { label: `publish completed${publish?.local ? ' (local)' : ''}`, atMs: at(publish?.completedMs) },
    { label: 'outcome recorded', atMs: at(finished?.completedMs) },
    { label: 'workflow closed', atMs: at(timeOf(first('WORKFLOW_EXECUTION_COMPLETED'))) },
    { label: 'client saw the result', atMs: resultSeenAtMs - postedAtMs },
  ];
}

/** How the history's events divide by kind: local activities write markers, counted apart. */
export function eventCounts(events: HistoryEvent[]): { total: number; workflowTasks: number; markers: number } {
  return {
    total: events.length,
    workflowTasks: events.filter((event) => eventTypeName(event) === 'WORKFLOW_TASK_COMPLETED').length,
    markers: events.filter((event) => eventTypeName(event) === 'MARKER_RECORDED').length,
  };
}

interface ActivitySpan {
  type: string;
  local: boolean;
  scheduledMs?: number;
  /** Of the last attempt: the server writes one started event per activity, with the attempt that ended it. */
  startedMs?: number;
  completedMs?: number;
  attempt?: number;
  /** Why the attempt before the last one failed. */
  lastFailure?: string;
}

function activitySpans(events: HistoryEvent[]): ActivitySpan[] {
  const spans: ActivitySpan[] = [];
  const bySchedule = new Map<string, ActivitySpan>();
  let workflowTaskStartedMs: number | undefined;
  for (const event of events) {
    const type = eventTypeName(event);
    const time = timeOf(event);
    if (type === 'WORKFLOW_TASK_STARTED') workflowTaskStartedMs = time;
    if (type === 'ACTIVITY_TASK_SCHEDULED') {
      const span: ActivitySpan = {
        type: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
        local: false,
        scheduledMs: time,
      };
      spans.push(span);
      bySchedule.set(String(event.eventId), span);
    }
    if (type === 'ACTIVITY_TASK_STARTED') {
      const span = bySchedule.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
      if (span && span.startedMs === undefined) span.startedMs = time;
      if (span) span.attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      const failure = event.activityTaskStartedEventAttributes?.lastFailure;
      if (span && failure)
        span.lastFailure = `${failure.timeoutFailureInfo ? 'timed out: ' : ''}${failure.message ?? ''}`;
    }
    if (type === 'ACTIVITY_TASK_COMPLETED') {
      const span = bySchedule.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId));
      if (span) span.completedMs = time;
    }
    if (type === 'MARKER_RECORDED') {
      const local = localActivityOf(event);
      // A local activity starts within the workflow task that scheduled it; its data says when it completed.
      if (local) spans.push({ ...local, local: true, scheduledMs: workflowTaskStartedMs, startedMs: undefined });
    }
  }
  return spans;
}

function localActivityOf(event: HistoryEvent): { type: string; completedMs?: number } | null {
  const attributes = event.markerRecordedEventAttributes;
  if (attributes?.markerName !== 'core_local_activity') return null;
  const payload = attributes.details?.['data']?.payloads?.[0]?.data;
  if (!payload) return null;
  const data = JSON.parse(Buffer.from(payload).toString('utf8')) as {
    activity_type?: string;
    complete_time?: { seconds?: number | string; nanos?: number } | string;
  };
  return { type: data.activity_type ?? '?', completedMs: timestampMs(data.complete_time) };
}

function eventTypeName(event: HistoryEvent): string {
  // The proto enum's number, named without its EVENT_TYPE_ prefix (histories read as JSON carry the name itself).
  const raw = event.eventType as unknown;
  const name = typeof raw === 'string' ? raw : (temporal.api.enums.v1.EventType[Number(raw)] ?? '');
  return name.replace(/^EVENT_TYPE_/, '');
}

function timeOf(event: HistoryEvent | undefined): number | undefined {
  return event ? timestampMs(event.eventTime) : undefined;
}

function timestampMs(value: { seconds?: unknown; nanos?: unknown } | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return Date.parse(value);
  return Number(value.seconds ?? 0) * 1000 + Number(value.nanos ?? 0) / 1e6;
}

function pick(values: (number | undefined)[], choose: (...numbers: number[]) => number): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : choose(...known);
}
