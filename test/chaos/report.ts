import { promises as fs } from 'node:fs';
import path from 'node:path';

/** One line of the fault table: what was done to the service and how it came through. */
export interface FaultRow {
  fault: string;
  injected: number;
  /** Runs that completed, of the runs the fault hit. */
  runsCompleted?: [number, number];
  /** Runs whose outputs ffprobe found whole (every frame of the source, every segment), of those checked. */
  outputsValid?: [number, number];
  /** Encode work done twice because of the fault, in % of one full encode of the video. */
  redonePercent?: number;
  /** The slowest API answer while the fault lasted. */
  maxAnswerMs?: number;
  /** What else was seen, in a few words. */
  outcome: string;
}

const REPORTS = path.resolve(__dirname, '..', '..', 'reports');
const FUZZ_REPORT = path.join(REPORTS, 'fuzz.json');

/** What `npm run test:fuzz` measured, kept for the fault table. */
export interface FuzzFigures {
  requests: number;
  serverErrors: number;
  statuses: Record<string, number>;
  heapMiB: { before: number; after: number };
}

export async function writeFuzzReport(figures: FuzzFigures): Promise<void> {
  await fs.mkdir(REPORTS, { recursive: true });
  await fs.writeFile(FUZZ_REPORT, `${JSON.stringify({ finishedAt: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

/** The last fuzz run's figures, when there was one on this checkout. */
export async function readFuzzReport(): Promise<(FuzzFigures & { finishedAt: string }) | null> {
  try {
    return JSON.parse(await fs.readFile(FUZZ_REPORT, 'utf8')) as FuzzFigures & { finishedAt: string };
  } catch {
    return null;
  }
}

/**
 * The table `npm run test:chaos` (faults) and `npm run test:scale` (scenarios) end with, also written as JSON under
 * `reports/` (not committed).
 */
export class FaultReport {
  private readonly rows: FaultRow[] = [];
  private readonly details: Record<string, unknown> = {};

  constructor(
    private readonly fileName = 'chaos.json',
    private readonly firstColumn = 'fault',
  ) {}

  add(row: FaultRow, details?: unknown): void {
    this.rows.push(row);
    if (details !== undefined) this.details[row.fault] = details;
  }

  table(): string {
    const header = [
      this.firstColumn,
      'injected',
      'runs completed',
      'outputs valid',
      're-done work',
      'max answer',
      'outcome',
    ];
    const lines = this.rows.map((row) => [
      row.fault,
      String(row.injected),
      ratio(row.runsCompleted),
      ratio(row.outputsValid),
      row.redonePercent === undefined ? '—' : `${row.redonePercent.toFixed(1)} %`,
      row.maxAnswerMs === undefined ? '—' : `${Math.round(row.maxAnswerMs)} ms`,
      row.outcome,
    ]);
    const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)));
    const format = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
  }

  async write(): Promise<string> {
    await fs.mkdir(REPORTS, { recursive: true });
    const file = path.join(REPORTS, this.fileName);
    // `faults` in chaos.json, `scenarios` in scale.json: named after the table's first column.
    const body = { finishedAt: new Date().toISOString(), [`${this.firstColumn}s`]: this.rows, details: this.details };
    await fs.writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
    return file;
  }
}

function ratio(value: [number, number] | undefined): string {
  return value === undefined ? '—' : `${value[0]}/${value[1]}`;
}
