/**
 * When are two organisation names "the same" to a reader? This reduces a name to a skeleton that two
 * confusable names share: case, accents, punctuation and spacing go; "&" is "and"; letters from other scripts
 * that look like Latin ones (Cyrillic "а", Greek "Ο", fullwidth forms …) become those letters; characters
 * people swap to deceive (1, I, l, |; 0 and O; "rn" and "m"; "vv" and "w") become one; and the words that
 * name the kind of body ("council", "city council", "borough", "the", "of" …) are dropped, because "Newcastle
 * Council" and "Newcastle City Council" name the same thing to a reader. Two names with the same skeleton
 * are look-alikes. The skeleton is deliberately coarse: a false match only asks an administrator to look.
 */

/** Letters from other scripts that render like a Latin letter (after NFKD, which folds fullwidth forms). */
const homoglyphs: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g',
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', У: 'y', Х: 'x', Ѕ: 's',
  І: 'i', Ј: 'j', Ԁ: 'd', Ԛ: 'q', Ԝ: 'w', Һ: 'h', Ӏ: 'l',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
  // Latin look-alikes NFKD leaves alone
  ı: 'i', ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th', ð: 'd',
};

/** Words that say what kind of body it is rather than which one. */
const kindWords = new Set([
  'the', 'of', 'council', 'city', 'county', 'borough', 'district', 'metropolitan', 'royal', 'london', 'unitary',
  'authority', 'and',
]);

/** Characters people swap to deceive, folded to one: 1, i and l; 0 and o. */
function fold(word: string): string {
  return word.replace(/[1il]/g, 'l').replace(/0/g, 'o');
}

const foldedKindWords = new Set([...kindWords].map(fold));

export function nameSkeleton(name: string): string {
  let s = '';
  for (const ch of name.normalize('NFKD')) {
    if (/\p{M}/u.test(ch)) continue; // accents and other combining marks
    s += homoglyphs[ch] ?? ch;
  }
  s = s.toLowerCase().replace(/&/g, ' and ').replace(/[|!]/g, 'l').replace(/\$/g, 's').replace(/@/g, 'a');
  const words = s.split(/[^a-z0-9]+/).map(fold).filter((w) => w && !foldedKindWords.has(w));
  return words.join('').replace(/rn/g, 'm').replace(/vv/g, 'w');
}

/** True if the two names are confusable (the same skeleton, and it is not empty). */
export function looksAlike(a: string, b: string): boolean {
  const sa = nameSkeleton(a);
  return sa !== '' && sa === nameSkeleton(b);
}
