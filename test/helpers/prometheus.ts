/** The value of one sample in a Prometheus text page, or null when the page has no such sample. */
export function sample(page: string, name: string, labels = ''): number | null {
  const line = page.split('\n').find((text) => text.startsWith(`${name}${labels} `));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}
