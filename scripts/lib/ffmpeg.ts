import { aptInstall, canApt } from './apt';
import { which } from './which';

type Log = (message: string) => void;

const INSTALL_HINT =
  'Install ffmpeg (Debian/Ubuntu: apt-get install -y ffmpeg; macOS: brew install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH.';

/** Paths of ffmpeg and ffprobe: FFMPEG_PATH/FFPROBE_PATH, else PATH. Null for each one that is missing. */
export function findMediaTools(env: NodeJS.ProcessEnv = process.env): {
  ffmpeg: string | null;
  ffprobe: string | null;
} {
  return {
    ffmpeg: which(env['FFMPEG_PATH'] || 'ffmpeg', env['PATH']),
    ffprobe: which(env['FFPROBE_PATH'] || 'ffprobe', env['PATH']),
  };
}

/** Finds ffmpeg and ffprobe; when they are missing and we are root with apt, installs Debian's ffmpeg. */
export function ensureMediaTools(log: Log, env: NodeJS.ProcessEnv = process.env): { ffmpeg: string; ffprobe: string } {
  let tools = findMediaTools(env);
  const explicit = Boolean(env['FFMPEG_PATH'] || env['FFPROBE_PATH']);
  if ((tools.ffmpeg === null || tools.ffprobe === null) && !explicit && canApt(env)) {
    log("ffmpeg is missing: installing Debian's ffmpeg with apt-get…");
    aptInstall('ffmpeg', env);
    tools = findMediaTools(env);
  }
  if (tools.ffmpeg === null || tools.ffprobe === null) {
    const missing = [tools.ffmpeg === null ? 'ffmpeg' : null, tools.ffprobe === null ? 'ffprobe' : null].filter(
      Boolean,
    );
    throw new Error(`${missing.join(' and ')} not found. ${INSTALL_HINT}`);
  }
  return { ffmpeg: tools.ffmpeg, ffprobe: tools.ffprobe };
}
