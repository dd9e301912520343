/**
 * The Slack message for a release's result, as Block Kit
 * (https://api.slack.com/block-kit): a header, the facts as fields, the reason,
 * and a button to the run. Pure, so tests read exactly what Slack would get.
 */
import { formatDuration } from '../../config/duration.ts';
import { ExitCode } from '../../errors.ts';
import type { FerryEvent } from '../../pipeline/events.ts';

type Result = Extract<FerryEvent, { type: 'result' }>;

export interface ReleaseFacts {
  app: string;
  /** deploy, promote or rollback */
  command: string;
  env: string;
  sha?: string;
  /** The commit on GitHub, when the repository is known. */
  commitUrl?: string;
  runUrl?: string;
  durationMs: number;
}

const HEADLINE: Record<string, string> = {
  deployed: '✅ deployed',
  rolled_back: '↩️ rolled back',
  failed: '❌ failed',
  aborted: '⛔ stopped',
  ok: '✅ ok',
};

// Slack's limits: 150 characters of header, 2000 per field, 3000 per section text.
const HEADER_MAX = 150;
const FIELD_MAX = 2000;
const SECTION_MAX = 3000;

/** Slack mrkdwn treats &, < and > as markup (links, mentions); text from outside must not become any. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function shaField(facts: ReleaseFacts): string {
  if (!facts.sha) return '—';
  const short = `\`${facts.sha.slice(0, 7)}\``;
  return facts.commitUrl ? `<${facts.commitUrl}|${short}>` : short;
}

/** The one-line text Slack shows in notifications and where blocks cannot be drawn. */
export function slackFallback(facts: ReleaseFacts, result: Result): string {
  const sha = facts.sha ? ` ${facts.sha.slice(0, 7)}` : '';
  return `ferry ${facts.command} ${facts.app} ${facts.env}${sha}: ${result.outcome.replace('_', ' ')} (exit ${result.exitCode})`;
}

export function slackMessage(facts: ReleaseFacts, result: Result): Record<string, unknown> {
  const headline =
    result.exitCode === ExitCode.NeedsPerson
      ? '🚨 needs a person'
      : (HEADLINE[result.outcome] ?? result.outcome);
  const fields = [
    ['App', escapeMrkdwn(facts.app)],
    ['Environment', escapeMrkdwn(facts.env)],
    ['SHA', shaField(facts)],
    ['Outcome', `${escapeMrkdwn(result.outcome.replace('_', ' '))} (exit ${result.exitCode})`],
    ['Snapshot', result.snapshotId ? `\`${escapeMrkdwn(result.snapshotId)}\`` : '—'],
    ['Duration', formatDuration(facts.durationMs)],
  ].map(([label, value]) => ({ type: 'mrkdwn', text: cut(`*${label}*\n${value}`, FIELD_MAX) }));

  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: cut(`${headline}: ${facts.app} ${facts.env} (${facts.command})`, HEADER_MAX),
        emoji: true,
      },
    },
    { type: 'section', fields },
  ];
  if (result.reason) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*Reason*\n${escapeMrkdwn(result.reason)}`, SECTION_MAX) },
    });
  }
  const next = result.next ?? [];
  if (next.length > 0) {
    const list = next.map((line) => `• ${escapeMrkdwn(line)}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`*Next*\n${list}`, SECTION_MAX) } });
  }
  if (facts.runUrl) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the run' }, url: facts.runUrl }],
    });
  }
  return { text: slackFallback(facts, result), blocks };
}
