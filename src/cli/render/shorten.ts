/**
 * Long AWS identifiers cut to the part a person reads, so tables and event
 * lines fit 100 columns. `--json` keeps the full values.
 */

const ARN = /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:[^\s,()"']+/g;

/**
 * The part of an ARN that names the thing: `shop-staging-web:12` for a task
 * definition, `role/session` for an assumed role, the name for a target group
 * or load balancer, else the last `/` segment.
 */
export function shortArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  const [type] = parts;
  if (type === 'assumed-role' && parts.length >= 3) return `${parts[1]}/${parts.slice(2).join('/')}`;
  if ((type === 'targetgroup' || type === 'loadbalancer') && parts.length >= 3) return parts.at(-2)!;
  return parts.at(-1) || resource || arn;
}

/** Every ARN inside free text (ECS service events) replaced by its short form. */
export function shortenArns(text: string): string {
  return text.replace(ARN, (arn) => shortArn(arn));
}

/** Cuts text to `max` columns with an ellipsis in the middle, so both ends stay readable. */
export function ellipsize(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

/**
 * Who ran a release, as `role/session` (an STS assumed-role ARN), the user name
 * (an IAM user ARN) or as recorded (a GitHub login, user@host), within `max`.
 */
export function shortActor(actor: string, max = 32): string {
  const short = actor.startsWith('arn:') ? shortArn(actor) : actor;
  if (short.length <= max) return short;
  const slash = short.indexOf('/');
  if (slash > 0) {
    // The session usually names the person or the CI run; the role is the same on every row.
    const session = short.slice(slash + 1);
    const roleRoom = max - session.length - 1;
    if (roleRoom >= 6) return `${[...short.slice(0, slash)].slice(0, roleRoom - 1).join('')}…/${session}`;
  }
  return ellipsize(short, max);
}

/** `(task 0123456789abcdef...)` as `(task 01234567)`: short ids read like short SHAs on a terminal. */
export function shortTaskIds(text: string): string {
  return text.replace(/\(task ([0-9a-f]{8})[0-9a-f]{24}\)/g, '(task $1)');
}

/**
 * An ECS service event without the `(service NAME)` that repeats the service the
 * line is already about, and with ARNs shortened.
 */
export function compactServiceEvent(service: string, message: string): string {
  const escaped = service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const withoutService = message.replace(new RegExp(`^\\(service ${escaped}\\)\\s*`), '');
  return shortenArns(withoutService);
}

/** Splits plain text at spaces into lines of at most `width` columns; a longer word gets a line of its own. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line === '') line = word;
    else if ([...line].length + 1 + [...word].length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}
