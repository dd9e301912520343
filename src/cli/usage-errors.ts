import { Command, type Option } from 'commander';
import { ExitCode } from '../errors.ts';

/**
 * commander's own parse errors ("error: unknown option '--sah'\n(Did you mean
 * --sha?)") reworded to read like every other ferry error: one line that starts
 * with `ferry:`, names the bad input and, when commander has one, the likely fix.
 */
export function formatCommanderError(text: string): string {
  const [first = '', ...rest] = text.trim().split('\n');
  let line = first.replace(/^error:\s*/, '');
  // Quotes around a flag or command name add nothing on a line of its own.
  line = line.replace(/^(unknown (?:option|command)) '([^']+)'/, '$1 $2');
  for (const extra of rest) {
    const suggestion = /^\(Did you mean (.+)\?\)$/.exec(extra.trim());
    line += suggestion ? `; did you mean ${suggestion[1]}?` : ` ${extra.trim()}`;
  }
  return `ferry: ${line}\n`;
}

/** The line after a parse error: where to read the usage of the command that was mistyped. */
export function helpPointer(commandPath: string): string {
  return `  run \`${commandPath} --help\` for usage`;
}

/** With --json, the `result` line a parse error ends with (exit 2, nothing was changed). */
export function usageResultLine(commanderMessage: string): string {
  const reason = formatCommanderError(commanderMessage)
    .replace(/^ferry: /, '')
    .trim();
  const result = {
    type: 'result',
    ts: new Date().toISOString(),
    outcome: 'aborted',
    exitCode: ExitCode.Usage,
    reason,
  };
  return `${JSON.stringify(result)}\n`;
}

/** commander's parse-error methods this module relies on; not in its typings, so named here. */
interface ParseErrors {
  unknownOption(flag: string): void;
  missingMandatoryOptionValue(option: Option): void;
}

/**
 * commander reports a missing required option before an unknown one, so
 * `ferry deploy staging --sah X` would say "--sha not specified" and hide the
 * typo that caused it. This command names the unknown option first.
 */
export class TypoFirstCommand extends Command {
  override createCommand(name?: string): Command {
    return new TypoFirstCommand(name);
  }

  missingMandatoryOptionValue(option: Option): void {
    const parent = Command.prototype as unknown as ParseErrors;
    // Operands never start with "-", so the first such argument is an option nobody declared.
    const unknown = this.args.find((arg) => arg.startsWith('-'));
    if (unknown) parent.unknownOption.call(this, unknown.split('=')[0]!);
    parent.missingMandatoryOptionValue.call(this, option);
  }
}
