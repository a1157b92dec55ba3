import * as common from '@zxcvbn-ts/language-common';

/**
 * The ~49,000 most common passwords from the maintained zxcvbn-ts list (leaked-password corpora):
 * the first ones any guessing attack tries. Loaded once, on first use (a few milliseconds).
 */
let list: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  list ??= new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return list.has(password.toLowerCase());
}
