/**
 * What reprocess says a refused file is, in the user's words; ffprobe's and ffmpeg's own words stay in the error's
 * cause, for operators (the Temporal UI and the worker's log show it).
 */
export const REFUSALS = {
  stillImage: 'a still image, not a video',
  coverArt: 'an audio file with cover art: the picture is not a video stream',
  audioOnly: 'an audio file with no video in it',
  playlist: 'a playlist that points to other files (HLS or a concat list), not a video: upload the video itself',
  subtitles: 'a subtitle file, not a video',
  text: 'a text file, not a video',
  truncated:
    'an incomplete video: its MP4 index (the moov box) is missing, as when an upload or a recording was cut short',
  empty: 'an empty file, not a video',
  notMedia: 'not a media file: it could not be read as a video',
  noVideo: 'the file has no video stream',
  noDecodableVideo: 'the file holds no decodable video',
} as const;
