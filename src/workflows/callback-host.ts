/** The host of a callback URL, for summaries: never its path or query, which may carry a receiver's token. */
export function hostOf(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0] ?? '';
}
