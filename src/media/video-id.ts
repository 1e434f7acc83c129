/** A video id is also a workflow id and a directory name, so it is kept to a safe alphabet. */
export const VIDEO_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isVideoId(value: string): boolean {
  return VIDEO_ID_PATTERN.test(value);
}
