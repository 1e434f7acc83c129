import path from 'node:path';
import { ConfigError, defaultMediaSlots, loadConfig } from '../../src/config';

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

  it('reads the media tokens and the Temporal UI, with defaults every API instance of a deployment shares', () => {
    const keyed = loadConfig({ API_KEYS: 'first-key-0123456789,second-key-0123456789' });
    const sameKeysOtherOrder = loadConfig({ API_KEYS: 'second-key-0123456789,first-key-0123456789' });
    expect(keyed.mediaTokens.ttlSeconds).toBe(900);
    expect(keyed.mediaTokens.secret).toBe(sameKeysOtherOrder.mediaTokens.secret);
    expect(keyed.mediaTokens.secret).not.toBe(loadConfig({ API_KEYS: 'first-key-0123456789' }).mediaTokens.secret);
    const secret = 'x'.repeat(32);
    expect(loadConfig({ MEDIA_TOKEN_SECRET: secret, MEDIA_TOKEN_TTL_SECONDS: '60' }).mediaTokens).toEqual({
      secret,
      ttlSeconds: 60,
    });
    expect(() => loadConfig({ MEDIA_TOKEN_SECRET: 'short' })).toThrow(/MEDIA_TOKEN_SECRET/);
    expect(() => loadConfig({ MEDIA_TOKEN_TTL_SECONDS: '0' })).toThrow(/MEDIA_TOKEN_TTL_SECONDS/);

    expect(loadConfig({}).temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal.lan:7233', TEMPORAL_UI_PORT: '9000' }).temporal.uiUrl).toBe(
      'http://temporal.lan:9000',
    );
    expect(loadConfig({ TEMPORAL_UI_URL: 'https://temporal.example.com/' }).temporal.uiUrl).toBe(
      'https://temporal.example.com',
    );
    expect(() => loadConfig({ TEMPORAL_UI_URL: 'ftp://temporal.example.com' })).toThrow(/TEMPORAL_UI_URL/);
  });

  it('reads what browsers may do and the event-stream bounds, refusing a malformed host or origin by name', () => {
    const config = loadConfig({
      ALLOWED_HOSTS: 'Reprocess.LAN, .corp.example',
      ALLOWED_ORIGINS: 'https://dash.example.com/,http://[::1]:3000',
      EVENT_STREAMS_PER_CLIENT: '4',
      EVENT_STREAMS_MAX: '50',
    });
    expect(config.browsers).toEqual({
      allowedHosts: ['reprocess.lan', '.corp.example'],
      allowedOrigins: ['https://dash.example.com', 'http://[::1]:3000'],
    });
    expect(config.eventStreams).toEqual({ perClient: 4, total: 50 });
    expect(loadConfig({}).browsers).toEqual({ allowedHosts: [], allowedOrigins: [] });
    expect(loadConfig({}).eventStreams).toEqual({ perClient: 16, total: 1000 });
    expect(() => loadConfig({ ALLOWED_HOSTS: 'evil.example/path' })).toThrow(/ALLOWED_HOSTS/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'dash.example.com' })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => loadConfig({ EVENT_STREAMS_PER_CLIENT: '0' })).toThrow(/EVENT_STREAMS_PER_CLIENT/);
  });

  it('splits the queues by weight: the media queue follows TASK_QUEUE, a worker serves both unless told', () => {
    expect(loadConfig({}).temporal.mediaTaskQueue).toBe('video-processing-media');
    expect(loadConfig({ TASK_QUEUE: 'gpu' }).temporal.mediaTaskQueue).toBe('gpu-media');
    expect(loadConfig({ MEDIA_TASK_QUEUE: 'ffmpeg' }).temporal.mediaTaskQueue).toBe('ffmpeg');
    expect(loadConfig({}).worker).toEqual({
      queues: ['main', 'media'],
      mediaSlots: null,
      transcodeParallelism: null,
      metrics: null,
    });
    expect(
      loadConfig({ WORKER_QUEUES: ' media ,media', MEDIA_SLOTS: '3', WORKER_METRICS_PORT: '9464' }).worker,
    ).toEqual({
      queues: ['media'],
      mediaSlots: 3,
      transcodeParallelism: null,
      metrics: { host: '127.0.0.1', port: 9464 },
    });
    expect(defaultMediaSlots(1)).toBe(4);
    expect(defaultMediaSlots(8)).toBe(16);
  });

  it.each([
    ['WORKER_QUEUES', 'heavy'],
    ['MEDIA_SLOTS', '0'],
    ['WORKER_METRICS_PORT', '70000'],
    ['WORKER_METRICS_PORT', '0'],
  ])('refuses %s=%s by name', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });

  it('refuses a media queue that is the main queue, where light steps would wait behind media ones', () => {
    expect(() => loadConfig({ TASK_QUEUE: 'q', MEDIA_TASK_QUEUE: 'q' })).toThrow(/MEDIA_TASK_QUEUE: must differ/);
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
