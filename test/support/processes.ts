import { readdirSync, readFileSync } from 'node:fs';

/** Command lines of the live processes that mention `path` (a sandbox's state directory). */
export function processesUnder(path: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmdline.includes(path)) found.push(`${entry} ${cmdline}`);
    } catch {
      // ended while we looked
    }
  }
  return found;
}
