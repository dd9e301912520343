/**
 * The one pattern app and environment names follow everywhere: lowercase
 * letters and digits in hyphen-separated words, starting with a letter, at
 * most 32 characters. Names end up in RDS snapshot identifiers
 * (`ferry-<env>-<sha7>-<yyyymmddhhmmss>`, at most 63 characters for cluster
 * snapshots), which allow no double hyphen and no trailing hyphen, and in
 * resource names with tight limits.
 */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const NAME_MAX_LENGTH = 32;

export const NAME_RULE =
  'names use up to 32 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen';

export function isValidName(value: string): boolean {
  return value.length <= NAME_MAX_LENGTH && NAME_PATTERN.test(value);
}
