import langs from 'langs';

/**
 * A source's language tag as an RFC 5646 tag, which HLS's LANGUAGE requires: containers tag ISO 639-2 codes
 * (`eng`, and bibliographic ones such as `fre` or `ger`), and where a language has a two-letter ISO 639-1 code only
 * that one is a valid tag (`en`, `fr`, `de`). A three-letter code without one stays as it is; anything that is not
 * a language code at all, and the file's "undetermined", is `und`.
 */
export function languageTag(tag: string | null | undefined): string {
  const code = (tag ?? '').trim().toLowerCase();
  if (/^[a-z]{2}$/.test(code)) return code;
  if (!/^[a-z]{3}$/.test(code) || code === 'und') return 'und';
  const language = langs.where('2T', code) ?? langs.where('2B', code) ?? langs.where('3', code);
  return language?.['1'] ?? code;
}

/** A language's English name for a listener to choose by (`English`, `French`), or null for `und` and unknown codes. */
export function languageName(tag: string): string | null {
  if (tag === 'und') return null;
  const language = tag.length === 2 ? langs.where('1', tag) : (langs.where('2T', tag) ?? langs.where('3', tag));
  return language?.name ?? null;
}
