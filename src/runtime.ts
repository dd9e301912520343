/**
 * Where ferry runs, read once from the process environment at the edge
 * (src/cli builds it from process.env): a GitHub Actions job or not, the job's
 * run, repository and summary file, the terminal's abilities, the OIDC token
 * request. Everything downstream takes this typed, frozen object (or the few
 * fields it needs) instead of the whole environment.
 *
 * What the AWS SDK itself reads (AWS_* credentials, endpoints) and variables
 * the config names (notification webhooks) stay in the environment: they are
 * not facts about the run.
 */
import { hostname, userInfo } from 'node:os';

/** The GitHub Actions variables ferry uses, as set (whether or not GITHUB_ACTIONS is). */
export interface GitHubEnvironment {
  /** GITHUB_ACTOR: who started the run. */
  readonly actor?: string;
  /** GITHUB_REPOSITORY: owner/name. */
  readonly repository?: string;
  /** GITHUB_RUN_ID */
  readonly runId?: string;
  /** GITHUB_RUN_ATTEMPT */
  readonly runAttempt?: string;
  /** GITHUB_SERVER_URL without a trailing slash; https://github.com when unset. */
  readonly serverUrl: string;
  /** GITHUB_API_URL without a trailing slash; https://api.github.com when unset. */
  readonly apiUrl: string;
  /** FERRY_GITHUB_TOKEN, else GITHUB_TOKEN: the job's token, never printed. */
  readonly token?: string;
  /** GITHUB_EVENT_NAME, such as push or pull_request. */
  readonly eventName?: string;
  /** GITHUB_EVENT_PATH: the event's JSON payload file. */
  readonly eventPath?: string;
  /** GITHUB_STEP_SUMMARY: the file the job summary is appended to. */
  readonly stepSummary?: string;
  /** False when FERRY_GITHUB_DEPLOYMENTS is 0, false, off or no: record no GitHub deployments. */
  readonly deployments: boolean;
}

/** The request URL and token the runner provides to a job that may ask for an OIDC token. */
export interface OidcTokenRequest {
  readonly requestUrl: string;
  readonly requestToken: string;
}

export interface Runtime {
  /** GITHUB_ACTIONS=true: log groups, annotations, the job summary, masking, OIDC. */
  readonly githubActions: boolean;
  /** CI is set (to anything but empty, 0 or false): a log that records every redraw. */
  readonly ci: boolean;
  /** TERM=dumb: no cursor movement. */
  readonly dumbTerminal: boolean;
  /** Colour allowed on a terminal: not NO_COLOR (https://no-color.org), FORCE_COLOR=0/false or TERM=dumb. */
  readonly color: boolean;
  /** USER, USERNAME or LOGNAME: who runs ferry on a workstation. */
  readonly user?: string;
  readonly github: GitHubEnvironment;
  /** ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, when both are set. */
  readonly oidc?: OidcTokenRequest;
}

const nonEmpty = (value: string | undefined): string | undefined => (value ? value : undefined);

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Reads the runtime from an environment (process.env at the edge; a literal object in tests). */
export function readRuntime(env: Readonly<Record<string, string | undefined>>): Runtime {
  const term = env.TERM;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forceColorOff = env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false';
  const user = nonEmpty(env.USER) ?? nonEmpty(env.USERNAME) ?? nonEmpty(env.LOGNAME);
  const token = nonEmpty(env.FERRY_GITHUB_TOKEN) ?? nonEmpty(env.GITHUB_TOKEN);
  const requestUrl = nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_URL);
  const requestToken = nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  const github: GitHubEnvironment = {
    ...(env.GITHUB_ACTOR ? { actor: env.GITHUB_ACTOR } : {}),
    ...(env.GITHUB_REPOSITORY ? { repository: env.GITHUB_REPOSITORY } : {}),
    ...(env.GITHUB_RUN_ID ? { runId: env.GITHUB_RUN_ID } : {}),
    ...(env.GITHUB_RUN_ATTEMPT ? { runAttempt: env.GITHUB_RUN_ATTEMPT } : {}),
    serverUrl: withoutTrailingSlash(env.GITHUB_SERVER_URL || 'https://github.com'),
    apiUrl: withoutTrailingSlash(env.GITHUB_API_URL || 'https://api.github.com'),
    ...(token ? { token } : {}),
    ...(env.GITHUB_EVENT_NAME ? { eventName: env.GITHUB_EVENT_NAME } : {}),
    ...(env.GITHUB_EVENT_PATH ? { eventPath: env.GITHUB_EVENT_PATH } : {}),
    ...(env.GITHUB_STEP_SUMMARY ? { stepSummary: env.GITHUB_STEP_SUMMARY } : {}),
    deployments: !/^(0|false|off|no)$/i.test(env.FERRY_GITHUB_DEPLOYMENTS ?? ''),
  };
  return Object.freeze({
    githubActions: env.GITHUB_ACTIONS === 'true',
    ci: isSet(env.CI),
    dumbTerminal: term === 'dumb',
    color: !noColor && !forceColorOff && term !== 'dumb',
    ...(user ? { user } : {}),
    github: Object.freeze(github),
    ...(requestUrl && requestToken ? { oidc: Object.freeze({ requestUrl, requestToken }) } : {}),
  });
}

/** Who holds a deploy lock: the GitHub run (actor, repository and run id), or user@host. */
export function lockOwnerOf(runtime: Runtime): string {
  const { github } = runtime;
  if (runtime.githubActions && github.runId) {
    return `${github.actor ?? 'github'} (GitHub run ${github.repository ?? ''}#${github.runId})`;
  }
  let user = runtime.user;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}
