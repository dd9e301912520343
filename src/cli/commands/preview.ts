import { isValidName, NAME_RULE } from '../../config/name-rule.ts';
import { usageError } from '../../errors.ts';
import type { PreviewSeams } from '../../infra/preview.ts';
import type { CliContext } from '../context.ts';
import { runPreviewCommand } from '../preview-command.ts';

export interface PreviewOptions {
  offline?: boolean;
  /** Also upsert the report as a comment on the pull request (GitHub Actions, same-repository PRs). */
  comment?: boolean;
  allowDanger?: boolean;
  base?: string;
  args?: unknown[];
}

/**
 * `ferry preview <env> [--offline [--base REF]] [--allow-danger]`: what `pulumi up`
 * would change, dangers first. Read-only. Exit 0 when the preview ran and found
 * no DANGER (warnings are fine); exit 2 when a change would replace or delete a
 * database, a repository or the descriptor, so that a pull-request check goes
 * red, unless --allow-danger accepts it. Nothing is changed either way.
 */
export async function runPreview(
  options: PreviewOptions,
  ctx: CliContext,
  seams: PreviewSeams = {},
): Promise<number> {
  const env = options.args?.[0];
  if (typeof env !== 'string' || !isValidName(env)) {
    throw usageError(`"${String(env)}" is not an environment name; ${NAME_RULE}`);
  }
  return runPreviewCommand(
    ctx,
    {
      env,
      offline: Boolean(options.offline),
      base: options.base ?? 'HEAD',
      comment: Boolean(options.comment),
      allowDanger: Boolean(options.allowDanger),
    },
    seams,
  );
}

export const run = runPreview;
