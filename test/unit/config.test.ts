import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: path.resolve('./data'),
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'video-processing', uiPort: 8233 },
      logLevel: 'info',
      queryTimeoutMs: 2000,
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9090',
      DATA_DIR: '/srv/reprocess',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'videos',
      TASK_QUEUE: 'gpu',
      LOG_LEVEL: 'debug',
      FFMPEG_PATH: '/opt/ffmpeg',
      FFPROBE_PATH: '/opt/ffprobe',
      QUERY_TIMEOUT_MS: '1500',
    });
    expect(config.port).toBe(9090);
    expect(config.dataDir).toBe('/srv/reprocess');
    expect(config.temporal).toMatchObject({ address: 'temporal.internal:7233', namespace: 'videos', taskQueue: 'gpu' });
    expect(config.ffprobePath).toBe('/opt/ffprobe');
    expect(config.queryTimeoutMs).toBe(1500);
  });

  it('reads API_KEYS as a comma-separated list, and none by default', () => {
    expect(loadConfig({}).apiKeys).toEqual([]);
    expect(loadConfig({ API_KEYS: 'first-key-0123456789, second-key-0123456789' }).apiKeys).toEqual([
      'first-key-0123456789',
      'second-key-0123456789',
    ]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['TEMPORAL_ADDRESS', 'no-port-here'],
    ['QUERY_TIMEOUT_MS', '5'],
    ['API_KEYS', 'too-short'],
    ['API_KEYS', 'a-long-enough-key-0123,'],
    ['API_KEYS', 'has spaces inside the key 0123'],
  ])('refuses %s=%s with a message naming the variable', (variable, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems.map((problem) => problem.variable)).toEqual([variable]);
    expect((thrown as ConfigError).message).toContain(variable);
  });

  it('returns a frozen config', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.temporal)).toBe(true);
  });
});
