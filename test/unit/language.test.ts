import { languageName, languageTag } from '../../src/media/language';

describe('languageTag', () => {
  it("turns a container's ISO 639-2 code into the RFC 5646 tag HLS requires", () => {
    expect(languageTag('eng')).toBe('en');
    expect(languageTag('fre')).toBe('fr');
    expect(languageTag('fra')).toBe('fr');
    expect(languageTag('GER')).toBe('de');
    expect(languageTag('en')).toBe('en');
  });

  it('keeps a three-letter code that has no two-letter one, and says und for what names no language', () => {
    expect(languageTag('haw')).toBe('haw');
    expect(languageTag('und')).toBe('und');
    expect(languageTag(null)).toBe('und');
    expect(languageTag('english')).toBe('und');
    expect(languageTag('e"n')).toBe('und');
  });
});

describe('languageName', () => {
  it('names a language for a listener, and nothing for und', () => {
    expect(languageName('en')).toBe('English');
    expect(languageName('fr')).toBe('French');
    expect(languageName('und')).toBeNull();
  });
});
