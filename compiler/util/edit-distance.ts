// "Did you mean …?" suggestions by edit distance, as in Elm's Reporting/Suggest.hs (restricted
// Damerau-Levenshtein over lower-cased names) with rustc's length-relative cut-off, so short
// names only match close neighbours and a long name may carry a couple of typos.

/**
 * The restricted Damerau-Levenshtein (optimal string alignment) distance: the number of
 * insertions, deletions, substitutions and swaps of two adjacent characters that turn `a` into
 * `b`. Compares UTF-16 code units and is case-sensitive.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: the one before the previous is needed for swaps.
  let beforePrevious: number[] = new Array<number>(b.length + 1).fill(0);
  let previous: number[] = Array.from({ length: b.length + 1 }, (_, idx) => idx);
  let current: number[] = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2] + 1);
      }
      current[j] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length];
}

/**
 * The largest distance still worth suggesting for a name of this length: 1 up to five
 * characters, 2 up to eight, then one more per three characters (rustc's rule).
 */
export function maxSuggestionDistance(name: string): number {
  return Math.floor(Math.max(name.length, 3) / 3);
}

/**
 * The candidates close enough to `name`, best first: ordered by case-insensitive distance, then
 * alphabetically, so the result does not depend on the order of `candidates`. `name` itself is
 * never suggested, and neither is a candidate that would replace every character of `name`.
 */
export function suggestAll(name: string, candidates: Iterable<string>): string[] {
  const lowerName = name.toLowerCase();
  const limit = maxSuggestionDistance(name);
  const scored: { candidate: string; distance: number }[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === name) continue;
    const distance = editDistance(lowerName, candidate.toLowerCase());
    if (distance <= limit && distance < Math.max(name.length, 1)) {
      scored.push({ candidate, distance });
    }
  }
  scored.sort(
    (x, y) =>
      x.distance - y.distance ||
      (x.candidate < y.candidate ? -1 : x.candidate > y.candidate ? 1 : 0),
  );
  return scored.map((entry) => entry.candidate);
}

/**
 * The one candidate to propose in "did you mean `…`?", or `undefined` when none is close enough.
 * For example `suggest('maxpol', ['maxpool', 'avgpool'])` is `'maxpool'`.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  return suggestAll(name, candidates)[0];
}
