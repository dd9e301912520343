/**
 * The database password across rotations. RDS rotates its managed master
 * secret (weekly by default), but ECS injects `DATABASE_PASSWORD` only when a
 * task starts: a running task keeps the old one. So when the database refuses
 * the password, read the current one from Secrets Manager (`DATABASE_SECRET_ARN`;
 * the stacks let the task role read that secret) and connect once more.
 *
 * Dependency-free: give it how to read the secret, for example with
 * @aws-sdk/client-secrets-manager:
 *
 *   const sm = new SecretsManagerClient({});
 *   const fetchSecret = async (arn: string) =>
 *     (await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '';
 */

export interface PasswordSource {
  /** The password to use now. */
  current(): Promise<string>;
  /** Reads the secret again (after the database refused the current password). */
  refresh(): Promise<string>;
}

export interface PasswordSourceOptions {
  /** What ECS injected at task start (`DATABASE_PASSWORD`), used until it is refused. */
  initial?: string;
  /** The RDS-managed secret (`DATABASE_SECRET_ARN`), `{username, password}` JSON. */
  secretArn?: string;
  /** Returns the secret's SecretString. */
  fetchSecret: (secretArn: string) => Promise<string>;
}

export function createPasswordSource(options: PasswordSourceOptions): PasswordSource {
  let password = options.initial;
  const read = async (): Promise<string> => {
    if (!options.secretArn) {
      throw new Error('DATABASE_SECRET_ARN is not set: cannot re-read a rotated database password');
    }
    const parsed = JSON.parse(await options.fetchSecret(options.secretArn)) as { password?: unknown };
    if (typeof parsed.password !== 'string') throw new Error(`secret ${options.secretArn} has no password`);
    password = parsed.password;
    return password;
  };
  return {
    current: async () => password ?? read(),
    refresh: read,
  };
}

/** PostgreSQL's invalid_password (SQLSTATE 28P01), as node-postgres and others report it. */
export function isAuthFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === '28P01' || (typeof message === 'string' && /password authentication failed/i.test(message));
}

/** Connects with the current password; when the database refuses it, re-reads the secret and tries once more. */
export async function connectWithRotatingPassword<T>(
  source: PasswordSource,
  connect: (password: string) => Promise<T>,
): Promise<T> {
  try {
    return await connect(await source.current());
  } catch (err) {
    if (!isAuthFailure(err)) throw err;
    return connect(await source.refresh());
  }
}
