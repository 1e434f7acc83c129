import Hls, { type ErrorData, type LoadPolicy } from 'hls.js';
import type { VideoResponse } from '../../../src/api/models';
import type { MediaAccess } from './api';
import { api, apiText, problemOf } from './api';
import { fill, h } from './dom';
import { formatDuration } from './format';
import { cueAt, parseStoryboard, type StoryboardCue } from './storyboard';
import { drawWaveform } from './waveform';

type Outputs = NonNullable<VideoResponse['outputs']>;

/** Token renewals in a row, with no media loaded between them, before the player gives up. */
const MAX_RENEWALS = 3;

/** What the run's manifest says of the steps' outputs, as far as the player uses it. */
interface ManifestOutputs {
  thumbnails?: { vtt?: string };
  audio?: {
    skipped?: boolean;
    waveform?: string;
    loudness?: { integratedLufs: number; truePeakDbtp: number; rangeLu: number };
  };
  scenes?: { file?: string };
}

/**
 * The published run, playable: hls.js (or the browser's own HLS) with a rendition choice, storyboard thumbnails over
 * the seek bar, scene cuts marked on the timeline, the waveform under it, and the loudness figures. Under API keys
 * every request the player makes carries a media token, renewed when the API says it expired.
 */
export class Player {
  readonly element: HTMLElement;
  private readonly video = h('video', { class: 'video', playsinline: true, preload: 'metadata' });
  private readonly playButton = h('button', { type: 'button', class: 'button', 'aria-label': 'Play' }, 'Play');
  private readonly time = h('span', { class: 'time', 'aria-live': 'off' }, '0:00 / 0:00');
  private readonly quality = h('select', { id: 'rendition', class: 'select' });
  private readonly playing = h('span', { class: 'muted', 'data-testid': 'playing-rendition' });
  private readonly seek = h('input', {
    type: 'range',
    class: 'seek',
    min: 0,
    max: 0,
    step: 0.1,
    value: 0,
    'aria-label': 'Seek',
  });
  private readonly marks = h('div', { class: 'scene-marks', 'aria-hidden': 'true' });
  private readonly wave = h('canvas', { class: 'waveform', 'aria-hidden': 'true' });
  private readonly preview = h('div', { class: 'preview', hidden: true, 'data-testid': 'storyboard-preview' });
  private readonly previewThumb = h('div', { class: 'preview-thumb' });
  private readonly previewTime = h('span', { class: 'preview-time' });
  private readonly facts = h('dl', { class: 'facts loudness' });
  private readonly notice = h('p', { class: 'notice', role: 'status', hidden: true });
  private hls: Hls | null = null;
  private cues: StoryboardCue[] = [];
  private peaks: number[] = [];
  /** Renewals since media last loaded: a token refused again and again is not renewed forever. */
  private renewals = 0;
  private renewing: Promise<void> | null = null;
  private readonly resized = new ResizeObserver(() => this.redrawWave());

  constructor(
    private readonly outputs: Outputs,
    private readonly access: MediaAccess,
    private readonly durationSeconds: number,
  ) {
    this.preview.append(this.previewThumb, this.previewTime);
    this.element = h(
      'section',
      { class: 'card player', 'aria-labelledby': 'player-title', 'data-testid': 'player' },
      h('h2', { id: 'player-title' }, 'Output'),
      h('div', { class: 'video-frame' }, this.video),
      h(
        'div',
        { class: 'controls' },
        this.playButton,
        this.time,
        h('label', { class: 'quality', for: 'rendition' }, 'Rendition'),
        this.quality,
        this.playing,
      ),
      h('div', { class: 'timeline' }, this.marks, this.seek, this.preview, this.wave),
      this.notice,
      h('h3', {}, 'Loudness'),
      this.facts,
    );
    this.wire();
  }

  /** Loads the master playlist and the side outputs; resolves once the player has something to show. */
  async load(): Promise<void> {
    await this.access.current();
    const master = this.outputs.master_playlist_url;
    if (this.outputs.poster_url) this.video.poster = this.access.sign(this.outputs.poster_url);
    if (master && Hls.isSupported()) this.attachHls(master);
    else if (master && this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = this.access.sign(master);
      this.quality.disabled = true;
      fill(this.quality, h('option', {}, 'Chosen by the browser'));
    }
    await this.loadSideOutputs().catch((error: unknown) =>
      this.say(`Some outputs could not be read: ${String(error)}`),
    );
  }

  destroy(): void {
    this.hls?.destroy();
    this.hls = null;
    this.resized.disconnect();
    this.video.removeAttribute('src');
    this.video.load();
  }

  private attachHls(master: string): void {
    const defaults = Hls.DefaultConfig;
    const hls = new Hls({
      // Relative playlist and segment URLs lose the master's query: every request is signed here instead.
      xhrSetup: (xhr, url) => {
        const signed = this.access.sign(url);
        if (signed !== url) xhr.open('GET', signed, true);
      },
      manifestLoadPolicy: retryAfterRenewal(defaults.manifestLoadPolicy),
      playlistLoadPolicy: retryAfterRenewal(defaults.playlistLoadPolicy),
      fragLoadPolicy: retryAfterRenewal(defaults.fragLoadPolicy),
    });
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      const levels = hls.levels
        .map((level, index) => ({ index, height: level.height }))
        .sort((a, b) => b.height - a.height);
      fill(
        this.quality,
        h('option', { value: -1 }, 'Auto'),
        levels.map((level) => h('option', { value: level.index }, `${level.height}p`)),
      );
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
      const height = hls.levels[data.level]?.height;
      this.element.dataset['level'] = String(height ?? '');
      this.playing.textContent = height ? `playing ${height}p` : '';
    });
    hls.on(Hls.Events.ERROR, (_event, data) => void this.onHlsError(master, data));
    hls.on(Hls.Events.FRAG_LOADED, () => (this.renewals = 0));
    hls.loadSource(this.access.sign(master));
    hls.attachMedia(this.video);
  }

  /**
   * A 401 is a token to renew: hls.js retries the request a second later (see retryAfterRenewal), signed anew; one
   * renewal serves every request refused meanwhile, and a load that failed for good is started again once it is
   * done. Other fatal errors are shown; the rest hls.js recovers from.
   */
  private async onHlsError(master: string, data: ErrorData): Promise<void> {
    console.warn(
      'hls.js error',
      data.type,
      data.details,
      data.fatal ? 'fatal' : 'recoverable',
      data.response?.code ?? '',
    );
    const hls = this.hls;
    if (!hls) return;
    if (data.response?.code === 401 && this.renewals < MAX_RENEWALS) {
      this.renewing ??= this.renewToken(data.context?.url ?? data.url ?? master).finally(() => {
        this.renewing = null;
      });
      await this.renewing;
      if (data.fatal && this.hls === hls) {
        hls.loadSource(this.access.sign(master));
        hls.startLoad();
      }
      return;
    }
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else this.say(`Playback stopped: ${data.details}`);
  }

  /** Why `refused` was refused (asked again past the HTTP cache, which could answer for an earlier token), said; then a new token. */
  private async renewToken(refused: string): Promise<void> {
    this.renewals += 1;
    const problem = await fetch(this.access.sign(new URL(refused, location.origin).pathname), {
      cache: 'no-store',
    }).then(problemOf);
    this.say(
      problem.code === 'TOKEN_EXPIRED'
        ? 'The access token expired; a new one was minted and playback resumed.'
        : `The access token was refused (${problem.message}); a new one was minted.`,
    );
    await this.access.renew();
  }

  private async loadSideOutputs(): Promise<void> {
    const manifest = await api<{ outputs: ManifestOutputs }>(this.outputs.manifest_url);
    const base = new URL(this.outputs.base_url, location.origin).href;
    const { thumbnails, audio, scenes } = manifest.outputs;
    const [vtt, wave, cuts] = await Promise.all([
      thumbnails?.vtt ? apiText(new URL(thumbnails.vtt, base).pathname) : null,
      audio?.waveform ? api<{ peaks: number[] }>(new URL(audio.waveform, base).pathname) : null,
      scenes?.file ? api<{ cuts: { time: number; score: number }[] }>(new URL(scenes.file, base).pathname) : null,
    ]);
    if (vtt) this.cues = parseStoryboard(vtt, base);
    this.element.dataset['storyboardCues'] = String(this.cues.length);
    if (wave) {
      this.peaks = wave.peaks;
      this.redrawWave();
    }
    for (const cut of cuts?.cuts ?? []) {
      const mark = h('span', { class: 'scene-mark', title: `Scene cut at ${formatDuration(cut.time)}` });
      mark.style.left = `${(cut.time / this.duration()) * 100}%`;
      this.marks.append(mark);
    }
    this.element.dataset['sceneCuts'] = String(cuts?.cuts.length ?? 0);
    const loudness = audio?.loudness;
    fill(
      this.facts,
      loudness
        ? [
            fact('Integrated', `${loudness.integratedLufs} LUFS`),
            fact('True peak', `${loudness.truePeakDbtp} dBTP`),
            fact('Range', `${loudness.rangeLu} LU`),
          ]
        : fact('Audio', audio?.skipped ? 'none in the source' : 'not measured'),
    );
  }

  private duration(): number {
    return Number.isFinite(this.video.duration) && this.video.duration > 0 ? this.video.duration : this.durationSeconds;
  }

  private wire(): void {
    const video = this.video;
    this.playButton.addEventListener('click', () => void (video.paused ? video.play() : video.pause()));
    video.addEventListener('play', () => this.setPlaying(true));
    video.addEventListener('pause', () => this.setPlaying(false));
    video.addEventListener('loadedmetadata', () => {
      this.seek.max = String(this.duration());
      this.tick();
    });
    video.addEventListener('timeupdate', () => this.tick());
    this.seek.addEventListener('input', () => {
      video.currentTime = Number(this.seek.value);
    });
    this.quality.addEventListener('change', () => {
      if (this.hls) this.hls.currentLevel = Number(this.quality.value);
    });
    const timeline = this.seek.parentElement ?? this.seek;
    this.seek.addEventListener('pointermove', (event) => this.showPreview(event.clientX));
    this.seek.addEventListener('pointerleave', () => (this.preview.hidden = true));
    timeline.addEventListener('pointerleave', () => (this.preview.hidden = true));
    this.resized.observe(this.wave);
  }

  private setPlaying(playing: boolean): void {
    this.playButton.textContent = playing ? 'Pause' : 'Play';
    this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  }

  private tick(): void {
    const duration = this.duration();
    this.seek.value = String(this.video.currentTime);
    this.seek.setAttribute(
      'aria-valuetext',
      `${formatDuration(this.video.currentTime)} of ${formatDuration(duration)}`,
    );
    this.time.textContent = `${formatDuration(this.video.currentTime)} / ${formatDuration(duration)}`;
    this.redrawWave();
  }

  private redrawWave(): void {
    if (this.peaks.length > 0) drawWaveform(this.wave, this.peaks, this.video.currentTime / this.duration());
  }

  /** The storyboard cell for the time under the pointer, above the seek bar. */
  private showPreview(clientX: number): void {
    const box = this.seek.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    const seconds = fraction * this.duration();
    const cue = cueAt(this.cues, seconds);
    this.previewTime.textContent = formatDuration(seconds);
    if (cue) {
      const thumb = this.previewThumb.style;
      thumb.width = `${cue.width}px`;
      thumb.height = `${cue.height}px`;
      thumb.backgroundImage = `url("${this.access.sign(new URL(cue.sprite).pathname)}")`;
      thumb.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    }
    this.previewThumb.hidden = !cue;
    const half = (cue?.width ?? 60) / 2;
    this.preview.style.left = `${Math.min(box.width - half, Math.max(half, fraction * box.width))}px`;
    this.preview.hidden = false;
  }

  private say(text: string): void {
    this.notice.hidden = false;
    this.notice.textContent = text;
  }
}

/** One figure of a `<dl>`: its name and value, grouped so a grid lays them out together. */
export function fact(name: string, value: string): HTMLDivElement {
  return h('div', {}, h('dt', {}, name), h('dd', {}, value));
}

/**
 * hls.js never retries a 4xx. A 401 here means the media token expired (or was refused): the page mints a new one
 * at once, so the request is worth one more try, which xhrSetup signs with the new token.
 */
function retryAfterRenewal(policy: LoadPolicy): LoadPolicy {
  const errorRetry = policy.default.errorRetry ?? { maxNumRetry: 1, retryDelayMs: 1_000, maxRetryDelayMs: 8_000 };
  return {
    default: {
      ...policy.default,
      errorRetry: {
        ...errorRetry,
        maxNumRetry: Math.max(1, errorRetry.maxNumRetry),
        shouldRetry: (_config, count, _timeout, response, retry) => retry || (response?.code === 401 && count < 1),
      },
    },
  };
}
