/**
 * `migrate.paths` globs, matched by picomatch: `*` and `?` stay within one path
 * segment, `**` spans any number of them, `{a,b}` is either, `[0-9]` is a class.
 * Paths use `/`, relative to the config file.
 */
import picomatch from 'picomatch';

export function matcher(globs: readonly string[]): (path: string) => boolean {
  const isMatch = picomatch(globs.map((g) => g.replace(/^\.\//, '')));
  return (path) => isMatch(path);
}

/** The globs that match none of `paths`: a check that would silently check nothing. */
export function unmatchedGlobs(globs: readonly string[], paths: readonly string[]): string[] {
  return globs.filter((glob) => !paths.some(matcher([glob])));
}
