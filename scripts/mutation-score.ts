/**
 * Prints the mutation score of `npm run mutate` from Stryker's JSON report, for
 * all of src/pipeline and per file, so the number is the last thing on screen.
 */
import { readFileSync } from 'node:fs';

interface Mutant {
  status: string;
}
interface Report {
  files: Record<string, { mutants: Mutant[] }>;
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

function score(mutants: Mutant[]): { detected: number; valid: number } {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return { detected, valid };
}

const path = process.argv[2] ?? '.tmp/mutation/report.json';
const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
const pct = ({ detected, valid }: { detected: number; valid: number }) =>
  valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`;

const rows = Object.entries(report.files)
  .map(([file, { mutants }]) => ({ file, ...score(mutants) }))
  .sort((a, b) => a.detected / (a.valid || 1) - b.detected / (b.valid || 1));
for (const row of rows) console.log(`${pct(row).padStart(6)}  ${row.detected}/${row.valid}  ${row.file}`);
const all = score(Object.values(report.files).flatMap((f) => f.mutants));
console.log(
  `\nMutation score for src/pipeline: ${pct(all)} (${all.detected} of ${all.valid} mutants killed; target >= 80%)`,
);
