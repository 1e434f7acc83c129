import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { encodedVideoCodec } from '../media/encoded-codec';
import { outputFrameRate } from '../media/hls';
import {
  AAC_LC_CODEC,
  formatMasterPlaylist,
  measuredBandwidth,
  type MasterAudio,
  type MasterVariant,
} from '../media/hls-master';
import { formatVodPlaylist, listedSegments, type HlsSegment } from '../media/hls-playlist';
import { HLS_SEGMENT_SECONDS, type Rendition } from '../media/ladder';
import { languageName, languageTag } from '../media/language';
import type { VideoInfo } from '../media/probe';
import { continueCounters, type ContinuityCarry } from '../media/ts-continuity';
import { CHUNKS_DIR } from './chunk-folders';
import { exists, writeAtomically } from './files';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';
import { currentStagingDir } from './source';
import type { AudioRenditionOutcome } from './transcode-audio';
import type { ChunkOutcome } from './transcode-chunk';
import type { TranscodeResume } from './transcode-resume';

export interface AssembleInput {
  videoId: string;
  info: VideoInfo;
  renditions: Rendition[];
  chunks: ChunkOutcome[];
  audio: AudioRenditionOutcome | null;
}

export interface LadderRendition {
  name: string;
  width: number;
  height: number;
  playlist: string;
  segments: number;
  /** Peak and average bits per second, audio included, as the master playlist says. */
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
}

/** The transcode's outcome: the HLS ladder, its audio rendition, how many chunks made it and where any resumed. */
export interface LadderOutcome {
  master: string;
  renditions: LadderRendition[];
  /** The audio renditions, the main (default) one first; empty for a video without audio. */
  audio: { playlist: string; name: string; language: string; default: boolean; segments: number }[];
  chunks: number;
  resumes: (TranscodeResume & { chunk: number })[];
}

/**
 * Puts the finished chunks together into the ladder every player sees: each rendition's segments moved from its
 * chunks into `<rendition>/` with one VOD playlist, the audio rendition into `audio/`, and a master playlist to
 * Apple's authoring rules with bandwidths measured from the segments. Safe to retry: a segment already moved is
 * found where it went, and the chunks' folders go only once the master is written.
 */
export function createAssembleLadder(deps: ActivityDeps) {
  return async function assembleLadder({
    videoId,
    info,
    renditions,
    chunks,
    audio,
  }: AssembleInput): Promise<LadderOutcome> {
    try {
      const out = currentStagingDir(deps.dataDir, videoId);
      const ordered = [...chunks].sort((a, b) => a.index - b.index);
      const tracks = audio === null ? [] : await placeAudio(out, audio, info);
      // A variant plays with any rendition of its audio group: its bandwidth counts the most demanding one.
      const audioRate =
        tracks.length === 0
          ? null
          : {
              peak: Math.max(...tracks.map((track) => track.rate.peak)),
              average: Math.max(...tracks.map((track) => track.rate.average)),
            };
      const variants: MasterVariant[] = [];
      const made: LadderRendition[] = [];
      for (const rendition of renditions) {
        const segments = await gatherRendition(out, rendition, ordered);
        const video = measuredBandwidth(await sized(path.join(out, rendition.name), segments), HLS_SEGMENT_SECONDS);
        const first = segments[0];
        if (first === undefined) throw new Error(`rendition ${rendition.name} has no segments`);
        const codec = await encodedVideoCodec(
          deps.ffprobePath,
          path.join(out, rendition.name, first.uri),
          Context.current().cancellationSignal,
        );
        const codecs = audioRate === null ? codec : `${codec},${AAC_LC_CODEC}`;
        const bandwidth = video.peak + (audioRate?.peak ?? 0);
        const averageBandwidth = video.average + (audioRate?.average ?? 0);
        const playlist = `${rendition.name}/playlist.m3u8`;
        variants.push({
          uri: playlist,
          bandwidth,
          averageBandwidth,
          codecs,
          width: rendition.width,
          height: rendition.height,
          frameRate: outputFrameRate(info.frameRate),
        });
        made.push({ ...rendition, playlist, segments: segments.length, bandwidth, averageBandwidth, codecs });
      }
      const groups: MasterAudio[] = tracks.map((track) => track.master);
      await writeAtomically(path.join(out, 'master.m3u8'), formatMasterPlaylist(variants, groups));
      await fs.rm(path.join(out, CHUNKS_DIR), { recursive: true, force: true });
      return {
        master: 'master.m3u8',
        renditions: made.map(({ name: n, width, height, playlist, segments, bandwidth, averageBandwidth, codecs }) => ({
          name: n,
          width,
          height,
          playlist,
          segments,
          bandwidth: Math.round(bandwidth),
          averageBandwidth: Math.round(averageBandwidth),
          codecs,
        })),
        audio: tracks.map(({ master, segments }) => ({
          playlist: master.uri,
          name: master.name,
          language: master.language,
          default: master.default,
          segments,
        })),
        chunks: ordered.length,
        resumes: ordered.flatMap((chunk) => chunk.resumes.map((resume) => ({ chunk: chunk.index, ...resume }))),
      };
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}

/** One rendition's segments, moved out of its chunks in order, and its VOD playlist written; they must run 0, 1, 2… */
async function gatherRendition(
  out: string,
  rendition: Rendition,
  chunks: readonly ChunkOutcome[],
): Promise<HlsSegment[]> {
  const dest = path.join(out, rendition.name);
  await fs.mkdir(dest, { recursive: true });
  const segments: HlsSegment[] = [];
  for (const chunk of chunks) {
    const from = path.join(out, CHUNKS_DIR, String(chunk.index), 'done', rendition.name);
    const listed = listedSegments(await fs.readFile(path.join(from, 'playlist.m3u8'), 'utf8').catch(() => ''));
    if (listed.length === 0) {
      // Gathered by an earlier attempt whose answer was lost: the rendition's playlist already holds the chunk.
      return alreadyGathered(dest);
    }
    for (const segment of listed) await moveOnce(path.join(from, segment.uri), path.join(dest, segment.uri));
    segments.push(...listed);
  }
  segments.forEach((segment, position) => {
    if (segment.index !== position) {
      throw new Error(`rendition ${rendition.name}: segment ${segment.index} where ${position} was due`);
    }
  });
  // In order: each segment continues the counters of the one before, so the chunks read as one stream.
  let carry: ContinuityCarry = new Map();
  for (const segment of segments) {
    carry = await continueCounters(path.join(dest, segment.uri), carry);
    Context.current().heartbeat();
  }
  await writeAtomically(path.join(dest, 'playlist.m3u8'), formatVodPlaylist(segments));
  return segments;
}

async function alreadyGathered(dest: string): Promise<HlsSegment[]> {
  const segments = listedSegments(await fs.readFile(path.join(dest, 'playlist.m3u8'), 'utf8'));
  if (segments.length === 0) throw new Error(`${path.basename(dest)}: a chunk's segments are missing`);
  return segments;
}

/**
 * The audio renditions moved into place and described for the master playlist: the main stream the default, each
 * named by its title, else its language, else its number, and no two alike (the group's names must differ).
 */
async function placeAudio(out: string, audio: AudioRenditionOutcome, info: VideoInfo) {
  // Named in order, before any file is touched, so that of two tracks with one title the same one always gets the
  // number.
  const names = new Set<string>();
  const described = audio.tracks.map((track, position) => {
    const about = info.audioTracks?.[track.audioTrack];
    const language = languageTag(about?.language);
    let name = about?.title ?? languageName(language) ?? (position === 0 ? 'Main' : `Track ${track.audioTrack + 1}`);
    if (names.has(name)) name = `${name} (${track.audioTrack + 1})`;
    names.add(name);
    const master: MasterAudio = {
      uri: `${track.name}/playlist.m3u8`,
      name,
      language,
      channels: 2,
      default: position === 0,
    };
    return { track, master };
  });
  return Promise.all(
    described.map(async ({ track, master }) => {
      const dest = path.join(out, track.name);
      if (!(await exists(dest))) await fs.rename(path.join(out, audio.folder, track.name), dest);
      const segments = listedSegments(await fs.readFile(path.join(dest, 'playlist.m3u8'), 'utf8'));
      return {
        master,
        segments: segments.length,
        rate: measuredBandwidth(await sized(dest, segments), HLS_SEGMENT_SECONDS),
      };
    }),
  );
}

async function moveOnce(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await exists(to))) return;
    throw error;
  }
}

async function sized(dir: string, segments: readonly HlsSegment[]) {
  return Promise.all(
    segments.map(async (segment) => ({
      bytes: (await fs.stat(path.join(dir, segment.uri))).size,
      seconds: segment.seconds,
    })),
  );
}
