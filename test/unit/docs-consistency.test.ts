import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../../src/api/errors';
import { REFUSALS } from '../../src/media/refusals';
import pino from 'pino';
import { createApp } from '../../src/api/app';
import { STEP_NAMES, SUBTASK_STATUSES, TASK_STATUSES } from '../../src/progress';

const docs = (name: string) => readFileSync(path.resolve(__dirname, '..', '..', 'docs', name), 'utf8');
const api = docs('api.md');
const architecture = docs('architecture.md');
// Only the routes are wanted: registering them touches neither Temporal nor the catalog.
const { operations } = createApp({
  orchestrator: {} as never,
  catalog: {} as never,
  dataDir: path.join(__dirname, 'unused'),
  logger: pino({ level: 'silent' }),
});

/** The docs and the code name the same things: nothing added on one side without the other. */
describe('docs name what the code has, and only that', () => {
  it.each(Object.entries(REFUSALS))('docs/api.md gives the refusal %s in its own words', (_name, message) => {
    expect(api.slice(api.indexOf('## What a video can be'))).toContain(`\`${message}\``);
  });

  it.each(Object.keys(ERROR_CATALOGUE))('docs/api.md lists the error code %s', (code) => {
    expect(api).toContain(`\`${code}\``);
  });

  it('names no error code the catalogue lacks', () => {
    const table = api.slice(api.indexOf('## Errors'));
    const named = [...table.matchAll(/^\|\s*\d{3}\s*\|\s*`([A-Z_]+)`/gm)].map((match) => match[1]!);
    expect(named.sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  // The docs page's own assets are an implementation detail of /docs; every other route has its section.
  it.each(operations.filter((operation) => !operation.path.startsWith('/docs/assets')).map((o) => [o.method, o.path]))(
    'docs/api.md describes %s %s',
    (method, route) => {
      const mentioned = new RegExp(`${method.toUpperCase()} [^\n]*${route.replace(/[{}/.]/g, (c) => `\\${c}`)}`);
      expect(mentioned.test(api) || api.includes(`\`${route}\``)).toBe(true);
    },
  );

  it.each([...STEP_NAMES])('docs/architecture.md describes the step %s', (step) => {
    expect(architecture).toMatch(new RegExp(`\\b${step}\\b`));
  });

  it.each([...TASK_STATUSES])('both docs name the task status %s', (status) => {
    expect(api).toContain(`\`${status}\``);
    expect(architecture).toMatch(new RegExp(`\\b${status}\\b`));
  });

  it.each([...SUBTASK_STATUSES])('both docs name the subtask status %s', (status) => {
    expect(api).toContain(`\`${status}\``);
    expect(architecture).toMatch(new RegExp(`\\b${status}\\b`));
  });
});
