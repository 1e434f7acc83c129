import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOC_EXAMPLES, EXAMPLE_BLOCK, type DocExampleName } from '../../scripts/lib/doc-examples';

const DOCS = path.resolve(__dirname, '..', '..', 'docs');
const example = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(DOCS, 'examples', `${name}.json`), 'utf8')) as unknown;

/** docs/api.md's examples are real responses (npm run docs:examples) and must still fit today's models. */
describe('the API guide examples', () => {
  it.each(Object.keys(DOC_EXAMPLES))('%s fits its model', (name) => {
    const parsed = DOC_EXAMPLES[name as DocExampleName].safeParse(example(name));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('are shown in docs/api.md exactly as captured, each of them', () => {
    const guide = readFileSync(path.join(DOCS, 'api.md'), 'utf8');
    const shown = [...guide.matchAll(EXAMPLE_BLOCK)].map((match) => [match[1]!, JSON.parse(match[2]!) as unknown]);
    expect(shown.map(([name]) => name).sort()).toEqual(Object.keys(DOC_EXAMPLES).sort());
    for (const [name, body] of shown) expect(body).toEqual(example(name as string));
  });
});
