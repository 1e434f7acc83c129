import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { QueueWorkers } from '../../src/queue-workers';
import request from 'supertest';
import type { ReprocessApp } from '../../src/api/app';
import type { TaskProgressResponse } from '../../src/api/models';
import { ErrorEnvelope, IngestResponse, RunHistoryPage, VideoPage, VideoResponse } from '../../src/api/models';
import { loadConfig } from '../../src/config';
import { Catalog, migrateToLatest } from '../../src/store';
import { createWorker } from '../../src/worker';
import { buildApp } from '../helpers/api';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';
import { eventually } from '../helpers/gate';
import { realWorldMedia } from '../helpers/real-world-media';
import { makeClip } from '../helpers/media';
import { startDevServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;

const codeOf = (body: unknown) => ErrorEnvelope.parse(body).error.code;

beforeAll(async () => {
  env = await startDevServer();
});

afterAll(async () => {
  await env.teardown();
});

describe.each(DIALECTS)('catalog routes on %s', (dialect) => {
  let test: TestDatabase;
  let catalog: Catalog;
  let worker: QueueWorkers;
  let running: Promise<void>;
  let app: ReprocessApp;
  let server: ReturnType<ReprocessApp['callback']>;
  let clip: string;
  const taskQueue = `catalog-${dialect}-${randomUUID()}`;

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    await migrateToLatest(test.database.db);
    catalog = new Catalog(test.database.db);
    const dataDir = test.dataDir;
    clip = await makeClip(path.join(dataDir, 'fixtures', 'clip.mp4'), { seconds: 2, width: 320, height: 240 });
    const config = loadConfig({ DATA_DIR: dataDir, TASK_QUEUE: taskQueue });
    worker = await createWorker(config, env.nativeConnection, env.client, { catalog });
    running = worker.run();
    app = await buildApp(env.client, dataDir, taskQueue, { catalog });
    server = app.callback();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await test.drop();
  });

  const upload = (fields: Record<string, string>, file = clip) => {
    let call = request(server).post('/api/v1/videos');
    for (const [name, value] of Object.entries(fields)) call = call.field(name, value);
    return call.attach('file', file);
  };

  async function waitForRun(videoId: string, status: string): Promise<TaskProgressResponse> {
    return eventually(async () => {
      const body = (await request(server).get(`/api/v1/videos/${videoId}/reprocess`)).body as TaskProgressResponse;
      return body.status === status && !body.stale ? body : undefined;
    }, 40_000);
  }

  /** Nothing of a refused upload may stay: no partial file, no video folder, no row. */
  async function expectNothingLeft(videoId: string): Promise<void> {
    const uploads = await fs.readdir(path.join(test.dataDir, 'media', '.uploads')).catch(() => []);
    expect(uploads).toEqual([]);
    await expect(fs.access(path.join(test.dataDir, 'media', videoId))).rejects.toThrow();
    expect(await catalog.findVideo(videoId)).toBeUndefined();
  }

  describe('POST /api/v1/videos', () => {
    it('takes an upload, checks it, starts a run with process=true, and publishes outputs served under /media', async () => {
      const response = await upload({ id: 'uploaded', title: 'A test clip', process: 'true' });
      expect(response.status).toBe(201);
      expect(response.headers['location']).toBe('/api/v1/videos/uploaded');
      const body = IngestResponse.parse(response.body);
      expect(body).toMatchObject({ id: 'uploaded', title: 'A test clip', outputs: null });
      expect(body.info).toMatchObject({ width: 320, height: 240 });
      expect(body.run?.status).toBe('accepted');

      await waitForRun('uploaded', 'completed');
      const video = VideoResponse.parse((await request(server).get('/api/v1/videos/uploaded')).body);
      expect(video.latest_run).toMatchObject({ run_id: body.run!.run_id, status: 'completed', progress: 100 });
      expect(video.outputs?.run_id).toBe(body.run!.run_id);
      const master = video.outputs!.master_playlist_url!;
      expect(master).toBe(`/media/uploaded/runs/${body.run!.run_id}/master.m3u8`);

      const playlist = await request(server).get(master);
      expect(playlist.status).toBe(200);
      expect(playlist.headers['content-type']).toBe('application/vnd.apple.mpegurl');
      expect(playlist.headers['cache-control']).toContain('immutable');
      expect(playlist.text).toContain('#EXTM3U');
      const current = await request(server).get('/media/uploaded/current/master.m3u8');
      expect(current.status).toBe(200);
      expect(current.headers['cache-control']).toBe('public, max-age=60');

      const segment = video.outputs!.files.find((file) => file.path.endsWith('.ts'))!;
      const ranged = await request(server).get(segment.url).set('Range', 'bytes=0-187');
      expect(ranged.status).toBe(206);
      expect(ranged.headers['content-type']).toBe('video/mp2t');
      expect(ranged.headers['content-range']).toBe(`bytes 0-187/${segment.size_bytes}`);
      expect(Number(ranged.headers['content-length'])).toBe(188);
      const beyond = await request(server).get(segment.url).set('Range', `bytes=${segment.size_bytes}-`);
      expect(beyond.status).toBe(416);
      expect(codeOf(beyond.body)).toBe('RANGE_NOT_SATISFIABLE');
      const cached = await request(server).get(segment.url).set('If-None-Match', String(ranged.headers['etag']));
      expect(cached.status).toBe(304);
      const vtt = video.outputs!.files.find((file) => file.path.endsWith('.vtt'))!;
      expect((await request(server).get(vtt.url)).headers['content-type']).toBe('text/vtt; charset=utf-8');
    });

    it('refuses a file that is not a video with 422 INVALID_MEDIA, leaving nothing behind', async () => {
      const text = path.join(test.dataDir, 'fixtures', 'notes.mp4');
      await fs.writeFile(text, 'these are notes, not a video\n'.repeat(100));
      const response = await upload({ id: 'not-a-video' }, text);
      expect(response.status).toBe(422);
      expect(codeOf(response.body)).toBe('INVALID_MEDIA');
      expect((response.body as { error: { message: string } }).error.message).toBe(
        'Not a video reprocess can read: a text file, not a video',
      );
      await expectNothingLeft('not-a-video');
    });

    it('refuses a still image in the words of what it is', async () => {
      const jpeg = await realWorldMedia.jpeg(path.join(test.dataDir, 'fixtures', 'photo.jpg'));
      const response = await upload({ id: 'a-photo' }, jpeg);
      expect(response.status).toBe(422);
      expect((response.body as { error: { message: string } }).error.message).toBe(
        'Not a video reprocess can read: a still image, not a video',
      );
      await expectNothingLeft('a-photo');
    });

    it('refuses a second video with the same id, and bad fields, leaving the first intact', async () => {
      const again = await upload({ id: 'uploaded' });
      expect(again.status).toBe(409);
      expect(codeOf(again.body)).toBe('VIDEO_ALREADY_EXISTS');
      expect((await catalog.findVideo('uploaded'))?.title).toBe('A test clip');
      const bad = await upload({ id: '../escape' });
      expect(codeOf(bad.body)).toBe('INVALID_UPLOAD');
      const unknown = await upload({ colour: 'blue' });
      expect(codeOf(unknown.body)).toBe('INVALID_UPLOAD');
      const json = await request(server).post('/api/v1/videos').send({ id: 'x' });
      expect(codeOf(json.body)).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('keeps exactly one of two uploads racing for one id, and its file intact', async () => {
      const other = await makeClip(path.join(test.dataDir, 'fixtures', 'other.mp4'), {
        seconds: 1,
        width: 160,
        height: 120,
      });
      const [first, second] = await Promise.all([upload({ id: 'raced' }), upload({ id: 'raced' }, other)]);
      expect([first.status, second.status].sort()).toEqual([201, 409]);
      const winner = first.status === 201 ? clip : other;
      const stored = await catalog.findVideo('raced');
      const source = path.join(test.dataDir, stored!.source_path);
      expect((await fs.stat(source)).size).toBe((await fs.stat(winner)).size);
      expect(stored!.size_bytes).toBe((await fs.stat(winner)).size);
    });

    it('refuses an upload over the size limit with 413, leaving nothing behind', async () => {
      const tiny = (
        await buildApp(env.client, test.dataDir, taskQueue, { catalog, maxUploadBytes: 10_000 })
      ).callback();
      const response = await request(tiny).post('/api/v1/videos').field('id', 'too-big').attach('file', clip);
      expect(response.status).toBe(413);
      expect(codeOf(response.body)).toBe('PAYLOAD_TOO_LARGE');
      await expectNothingLeft('too-big');
    });

    it('leaves nothing behind when the upload is cut off mid-stream', async () => {
      const handle = app.callback();
      const listening = http.createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      try {
        const boundary = 'cut-off-boundary';
        const head =
          `--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\ncut-off\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\n` +
          'Content-Type: video/mp4\r\n\r\n';
        const partial = (await fs.readFile(clip)).subarray(0, 4096);
        const client = http.request({
          host: '127.0.0.1',
          port: (listening.address() as AddressInfo).port,
          method: 'POST',
          path: '/api/v1/videos',
          headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': 10_000_000 },
        });
        client.on('error', () => undefined);
        client.write(head);
        client.write(partial);
        await eventually(async () => {
          const parts = await fs.readdir(path.join(test.dataDir, 'media', '.uploads')).catch(() => []);
          return parts.length > 0 ? true : undefined;
        });
        client.destroy();
        await eventually(async () => {
          const parts = await fs.readdir(path.join(test.dataDir, 'media', '.uploads')).catch(() => []);
          return parts.length === 0 ? true : undefined;
        });
        await expectNothingLeft('cut-off');
      } finally {
        listening.closeAllConnections();
        await new Promise((resolve) => listening.close(resolve));
      }
    });
  });

  describe('GET /api/v1/videos and /api/v1/videos/:video_id', () => {
    it('lists videos newest first, page by page', async () => {
      for (const id of ['list-a', 'list-b', 'list-c']) expect((await upload({ id })).status).toBe(201);
      const first = VideoPage.parse((await request(server).get('/api/v1/videos?limit=2')).body);
      expect(first.items.map((video) => video.id)).toEqual(['list-c', 'list-b']);
      const second = VideoPage.parse(
        (await request(server).get(`/api/v1/videos?limit=2&cursor=${first.next_cursor!}`)).body,
      );
      expect(second.items[0]?.id).toBe('list-a');
      const bad = await request(server).get('/api/v1/videos?cursor=forged');
      expect(codeOf(bad.body)).toBe('INVALID_REQUEST');
      expect((await request(server).get('/api/v1/videos?limit=0')).status).toBe(400);
    });

    it('answers 404 VIDEO_NOT_FOUND for a video not in the catalog nor on disk', async () => {
      const response = await request(server).get('/api/v1/videos/nowhere');
      expect(codeOf(response.body)).toBe('VIDEO_NOT_FOUND');
    });
  });

  describe('GET /api/v1/videos/:video_id/reprocess/history', () => {
    it('has a row as soon as a run starts, final when it ends: completed, failed and cancelled', async () => {
      // A failed run: bad media put in place by hand (adopted into the catalog when first asked for).
      const broken = path.join(test.dataDir, 'media', 'broken', 'source.mp4');
      await fs.mkdir(path.dirname(broken), { recursive: true });
      await fs.writeFile(broken, 'not a video');
      expect((await request(server).post('/api/v1/videos/broken/reprocess')).status).toBe(202);
      await waitForRun('broken', 'failed');
      const failed = await eventually(async () => {
        const page = RunHistoryPage.parse((await request(server).get('/api/v1/videos/broken/reprocess/history')).body);
        return page.items[0]?.status === 'failed' ? page.items[0] : undefined;
      });
      expect(failed.error).toBe('a text file, not a video');
      expect(failed.finished_at).not.toBeNull();

      // A cancelled run, seen open first.
      const long = path.join(test.dataDir, 'media', 'long', 'source.mp4');
      await makeClip(long, { seconds: 40, width: 640, height: 360 });
      const started = await request(server)
        .post('/api/v1/videos/long/reprocess')
        .send({ steps: ['transcode'] });
      expect(started.status).toBe(202);
      const open = await eventually(async () => {
        const page = RunHistoryPage.parse((await request(server).get('/api/v1/videos/long/reprocess/history')).body);
        return page.items[0];
      });
      expect(open).toMatchObject({ status: 'running', finished_at: null, steps: ['probe', 'transcode', 'publish'] });
      await eventually(async () => {
        const body = (await request(server).get('/api/v1/videos/long/reprocess')).body as TaskProgressResponse;
        return body.subtasks.find((subtask) => subtask.name === 'transcode')?.status === 'running' ? true : undefined;
      });
      expect((await request(server).delete('/api/v1/videos/long/reprocess')).status).toBe(202);
      const cancelled = await eventually(async () => {
        const page = RunHistoryPage.parse((await request(server).get('/api/v1/videos/long/reprocess/history')).body);
        return page.items[0]?.status === 'cancelled' ? page.items[0] : undefined;
      }, 40_000);
      expect(cancelled.run_id).toBe(open.run_id);
      expect(cancelled.finished_at).not.toBeNull();

      // The completed run of the upload test, on record with its outcome.
      const uploaded = RunHistoryPage.parse(
        (await request(server).get('/api/v1/videos/uploaded/reprocess/history')).body,
      );
      expect(uploaded.items).toHaveLength(1);
      expect(uploaded.items[0]).toMatchObject({ status: 'completed', progress: 100, error: null });
    });
  });

  describe('GET /media/:video_id/*', () => {
    it.each([
      '..%2F..%2F..%2Fetc%2Fpasswd',
      '%2e%2e/%2e%2e/etc/passwd',
      'current/../../../../etc/passwd',
      'current/..%2F..%2Fsource.mp4',
      'current/%2e%2e/source.mp4',
      'runs/../source.mp4',
      'source.mp4',
      'current/%00master.m3u8',
      'current/..%5C..%5Csource.mp4',
      '%2Fetc%2Fpasswd',
      'current/.hidden',
      '%252e%252e/%252e%252e/etc/passwd',
      'current//master.m3u8',
      'staging/x',
    ])('refuses %s with 400 or 404, never a file from outside the published outputs', async (attempt) => {
      const response = await request(server).get(`/media/uploaded/${attempt}`);
      expect([400, 404]).toContain(response.status);
      expect(codeOf(response.body)).toMatch(/INVALID_MEDIA_PATH|MEDIA_NOT_FOUND|ROUTE_NOT_FOUND/);
      expect(response.text).not.toContain('root:');
    });

    it('answers 400 INVALID_MEDIA_PATH for a path that is not current/… or runs/<run_id>/…', async () => {
      const response = await request(server).get('/media/uploaded/current/..%2F..%2Fsource.mp4');
      expect(response.status).toBe(400);
      expect(codeOf(response.body)).toBe('INVALID_MEDIA_PATH');
    });

    it('refuses a symlink that leads out of the video folder, and a bad video id', async () => {
      const video = VideoResponse.parse((await request(server).get('/api/v1/videos/uploaded')).body);
      const runFolder = path.join(test.dataDir, 'media', 'uploaded', 'runs', video.outputs!.run_id);
      await fs.symlink('/etc/passwd', path.join(runFolder, 'escape.json'));
      await fs.symlink('../../source.mp4', path.join(runFolder, 'source-link.mp4'));
      const sourceLink = await request(server).get('/media/uploaded/current/source-link.mp4');
      expect(sourceLink.status).toBe(404);
      const response = await request(server).get('/media/uploaded/current/escape.json');
      expect(response.status).toBe(404);
      expect(codeOf(response.body)).toBe('MEDIA_NOT_FOUND');
      expect(response.text).not.toContain('root:');
      expect((await request(server).get('/media/..%2F..%2Fetc/current/passwd')).status).toBe(400);
    });
  });
});
