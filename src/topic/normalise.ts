/**
 * The normalisation layers of topic deduplication: pure string functions, no state.
 *
 * - `exactKey`: what the exact layer compares. Unicode NFKC (full-width letters, ligatures), case,
 *   accents on Latin, Greek and Cyrillic letters, punctuation (`&` reads `and`; `+` and `#` after a
 *   letter are kept, so C, C++ and C# stay apart), whitespace, and articles (leading articles in
 *   English, French, Spanish, Italian, German; `the` anywhere; French and Italian elisions).
 * - `canonicalTokens`: what the near-duplicate layer compares: the exact key's words without
 *   function words (of, de, du, and...), each reduced to a singular by light rules, sorted, so word
 *   order and plurals do not matter.
 * - `numberSignature`: the numbers an item names (digits and upper-case Roman numerals): items that
 *   differ in them are never near-duplicates (Apollo 11 and Apollo 13, Louis XIV and Louis XV).
 */

import { once } from '../model/once.js';

const LEADING_ARTICLES = new Set(['the', 'a', 'an', 'le', 'la', 'les', 'el', 'los', 'las', 'il', 'lo', 'gli', 'der', 'die', 'das', 'un', 'une', 'uno', 'una']);
const ANYWHERE_ARTICLES = new Set(['the']);
/** Words that carry no identity in a name: prepositions, conjunctions, articles. */
const FUNCTION_WORDS = new Set([
  ...LEADING_ARTICLES, 'of', 'de', 'du', 'des', 'del', 'della', 'di', 'da', 'do', 'dos', 'van', 'von', 'zu', 'and', 'et', 'und', 'y', 'e', 'in', 'on', 'at', 'en', 'au', 'aux', 'd', 'l',
]);
// The Unicode-property patterns cost milliseconds to build, paid by every command that loads a scorer
// (unique-items is among them), not only by topic runs: each is made on first use.
/** Letters whose combining accents are dropped (elsewhere a mark can be part of the letter). */
const ACCENTED = once(() => /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu);
const ELISION = once(() => /(^|[^\p{L}\p{N}])(?:[ldjmnst]|qu)['’ʼ](?=\p{L})/giu);
const APOSTROPHE = /['’ʼ`´]/g;
/** Punctuation and symbols, except `+` and `#` right after a letter or digit (C++, C#, F#). */
const PUNCTUATION = once(() => /(?<![\p{L}\p{N}+#])[+#]+|[^\p{L}\p{N}\p{M}\s+#]+/gu);
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ROMAN = /^(?=[MDCLXVI])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;

/**
 * The exact layer's key: two items with the same key are the same item.
 *
 * @example
 * exactKey('The Eiffel Tower!'); // 'eiffel tower'
 * exactKey('Musée d’Orsay');      // 'musee orsay'
 */
export function exactKey(text: string): string {
  return keyWords(text).join(' ');
}

/** The exact key's words. */
export function keyWords(text: string): string[] {
  // Printable ASCII (most items) needs no Unicode folding: the same result, several times faster.
  const unicode = PRINTABLE_ASCII.test(text)
    ? text.toLowerCase()
    : text
        .normalize('NFKC')
        .toLowerCase()
        .normalize('NFD')
        .replace(ACCENTED(), '$1')
        .normalize('NFC')
        .replace(/œ/g, 'oe')
        .replace(/æ/g, 'ae')
        .replace(/ß/g, 'ss');
  const folded = unicode
    .replace(/&/g, ' and ')
    .replace(ELISION(), '$1')
    .replace(APOSTROPHE, '')
    .replace(PUNCTUATION(), ' ');
  const words = folded.split(/\s+/).filter((w) => w.length > 0);
  let start = 0;
  while (start < words.length - 1 && LEADING_ARTICLES.has(words[start]!)) start++;
  const out: string[] = [];
  for (let i = start; i < words.length; i++) {
    const w = words[i]!;
    if (ANYWHERE_ARTICLES.has(w) && words.length - start > 1) continue;
    out.push(w);
  }
  return out;
}

/**
 * The near-duplicate layer's words: the key's words without function words, singular, sorted.
 * An item made only of function words keeps them (so "The Who" is not empty).
 *
 * @example
 * canonicalTokens('Gardens of the Luxembourg'); // ['garden', 'luxembourg']
 */
export function canonicalTokens(text: string): string[] {
  return canonicalOf(keyWords(text));
}

/** `canonicalTokens` from the key's words (computed once by callers that need both). */
export function canonicalOf(words: readonly string[]): string[] {
  const content = words.filter((w) => !FUNCTION_WORDS.has(w));
  return (content.length > 0 ? content : words).map(singular).sort();
}

/**
 * A word reduced to a likely singular by light English and French rules. Short words (4 letters or
 * less) are left alone, and so are endings that are rarely plurals (-ss, -us, -is).
 *
 * @example
 * singular('strawberries'); // 'strawberry'
 * singular('bateaux');      // 'bateau'
 */
export function singular(word: string): string {
  if (word.length <= 4 || /\d/.test(word)) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('eaux')) return word.slice(0, -1);
  if (/(?:ss|sh|ch|x|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * The numbers an item names, in order of appearance: digit runs and upper-case Roman numerals (as
 * written, before case folding). Empty when it names none.
 *
 * @example
 * numberSignature('Louis XIV');  // 'xiv'
 * numberSignature('Apollo 11');  // '11'
 */
export function numberSignature(text: string): string {
  const numbers: string[] = [];
  const words = PRINTABLE_ASCII.test(text) ? text.split(/[^A-Za-z0-9]+/) : text.normalize('NFKC').split(/[^\p{L}\p{N}]+/u);
  for (const word of words) {
    if (word.length === 0) continue;
    if (/^\d+$/.test(word)) numbers.push(String(Number(word)));
    else if (ROMAN.test(word)) numbers.push(word.toLowerCase());
    else for (const run of word.match(/\d+/g) ?? []) numbers.push(String(Number(run)));
  }
  return numbers.sort().join(' ');
}
