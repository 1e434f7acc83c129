import { checkBind, isLoopback, UnsafeBindError } from '../../src/api/bind';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1'])('%s is not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});

describe('checkBind(host, apiKeys)', () => {
  it('runs open on loopback without keys, and says so', () => {
    const bind = checkBind('127.0.0.1', []);
    expect(bind.open).toBe(true);
    expect(bind.notice).toMatch(/API_KEYS is not set.*loopback/);
  });

  it('refuses a non-loopback bind without keys, naming the fix', () => {
    expect(() => checkBind('0.0.0.0', [])).toThrow(UnsafeBindError);
    expect(() => checkBind('0.0.0.0', [])).toThrow(/API_KEYS/);
  });

  it('binds anywhere once keys are set', () => {
    expect(checkBind('0.0.0.0', ['k'.repeat(32)]).open).toBe(false);
  });
});
