/**
 * AMQP topic matching: words are separated by '.', '*' matches exactly one word and '#' matches zero
 * or more. Kept identical to RabbitMQ so the in-memory bus routes exactly like the broker would.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return matchWords(split(pattern), 0, split(routingKey), 0, new Map());
}

/** RabbitMQ treats the empty key as zero words, so '#' matches it and '*' does not. */
function split(value: string): string[] {
  return value === '' ? [] : value.split('.');
}

// Memoised on (p, k) so patterns like '#.#.#' stay linear instead of exponential.
function matchWords(pattern: string[], p: number, key: string[], k: number, memo: Map<number, boolean>): boolean {
  const id = p * (key.length + 1) + k;
  const known = memo.get(id);
  if (known !== undefined) return known;
  let result: boolean;
  if (p === pattern.length) {
    result = k === key.length;
  } else if (pattern[p] === '#') {
    result = matchWords(pattern, p + 1, key, k, memo) || (k < key.length && matchWords(pattern, p, key, k + 1, memo));
  } else {
    result = k < key.length && (pattern[p] === '*' || pattern[p] === key[k]) && matchWords(pattern, p + 1, key, k + 1, memo);
  }
  memo.set(id, result);
  return result;
}
