import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../protocol/errors.ts';
import type { JsonService } from '../protocol/types.ts';

export interface SandboxSecret {
  arn: string;
  name: string;
  username: string;
  password: string;
  versionId: string;
  /** The DB instance whose master password this is (RDS-managed secret). */
  database: string;
  rotatedAt: number;
}

/**
 * RDS-managed master user secrets (`{username, password}`), and the password the
 * simulated database accepts: rotating the secret changes both at once, as RDS does.
 */
export class SecretStore {
  readonly secrets = new Map<string, SandboxSecret>();

  /** Creates (or returns) the managed secret of a DB instance. */
  forDatabase(database: string, region: string, account: string, now: number): SandboxSecret {
    const existing = [...this.secrets.values()].find((s) => s.database === database);
    if (existing) return existing;
    const name = `rds!db-${randomUUID()}`;
    const secret: SandboxSecret = {
      arn: `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${randomBytes(3).toString('hex')}`,
      name,
      username: 'app',
      password: newPassword(),
      versionId: randomUUID(),
      database,
      rotatedAt: now,
    };
    this.secrets.set(secret.arn, secret);
    return secret;
  }

  find(id: string): SandboxSecret | undefined {
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.name === id);
  }

  rotate(id: string, now: number): SandboxSecret {
    const secret = this.find(id);
    if (!secret) throw new Error(`no secret ${id}`);
    secret.password = newPassword();
    secret.versionId = randomUUID();
    secret.rotatedAt = now;
    return secret;
  }

  /** What PostgreSQL would answer a login to `database` with this password. */
  login(
    database: string,
    username: string,
    password: string,
  ): { ok: true } | { ok: false; code: string; message: string } {
    const secret = [...this.secrets.values()].find((s) => s.database === database);
    if (secret && secret.username === username && secret.password === password) return { ok: true };
    return { ok: false, code: '28P01', message: `password authentication failed for user "${username}"` };
  }
}

const newPassword = () => randomBytes(18).toString('base64url');

/** Secrets Manager (awsJson1_1, target prefix `secretsmanager`): GetSecretValue only. */
export function secretsService(store: SecretStore): JsonService {
  return {
    service: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    operations: {
      GetSecretValue: (params) => {
        const secret = store.find(String(params.SecretId ?? ''));
        if (!secret) {
          throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: JSON.stringify({ username: secret.username, password: secret.password }),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.rotatedAt / 1000,
        };
      },
    },
  };
}
