import { formatSse, parseLastEventId, SSE_KEEP_ALIVE, sseRetry } from '../../src/api/events/sse';

describe('formatSse', () => {
  it('writes id, event and one-line JSON data, ended by a blank line', () => {
    expect(formatSse({ id: 7, event: 'progress', data: { a: 'x\ny' } })).toBe(
      'id: 7\nevent: progress\ndata: {"a":"x\\ny"}\n\n',
    );
  });

  it('leaves the id out when there is none, so the client keeps its position', () => {
    expect(formatSse({ event: 'end', data: { status: 'completed' } })).toBe(
      'event: end\ndata: {"status":"completed"}\n\n',
    );
  });

  it('has a comment for keep-alive and a retry field', () => {
    expect(SSE_KEEP_ALIVE.startsWith(':')).toBe(true);
    expect(sseRetry(2000)).toBe('retry: 2000\n\n');
  });
});

describe('parseLastEventId', () => {
  it.each([
    ['12', 12],
    [' 3 ', 3],
    ['0', 0],
  ])('reads %j as %d', (header, id) => {
    expect(parseLastEventId(header)).toBe(id);
  });

  it.each([undefined, '', 'abc', '-1', '1.5', '9'.repeat(20)])('ignores %j', (header) => {
    expect(parseLastEventId(header)).toBeNull();
  });
});
