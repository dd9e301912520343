import { randomBytes, randomUUID } from 'node:crypto';
import { trustAllows } from '../iam/evaluate.ts';
import type { IamStore, Role } from '../iam/store.ts';
import { AwsError } from '../protocol/errors.ts';
import type { Caller, QueryService } from '../protocol/types.ts';

export const DEFAULT_ACCOUNT = '111111111111';

interface Session {
  roleArn: string;
  sessionName: string;
  account: string;
  roleId: string;
}

/** Remembers which role and session each issued access key id belongs to. */
export class StsStore {
  readonly #sessions = new Map<string, Session>();

  issue(session: Session): string {
    const key = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.#sessions.set(key, session);
    return key;
  }

  callerFor(accessKeyId: string): Caller {
    const session = this.#sessions.get(accessKeyId);
    if (!session) {
      return {
        accessKeyId,
        principal: accessKeyId,
        arn: `arn:aws:iam::${DEFAULT_ACCOUNT}:user/${accessKeyId || 'anonymous'}`,
        account: DEFAULT_ACCOUNT,
      };
    }
    const roleName = session.roleArn.split('/').pop();
    return {
      accessKeyId,
      principal: session.roleArn,
      roleArn: session.roleArn,
      arn: `arn:aws:sts::${session.account}:assumed-role/${roleName}/${session.sessionName}`,
      account: session.account,
    };
  }

  userIdFor(accessKeyId: string): string {
    const session = this.#sessions.get(accessKeyId);
    return session
      ? `${session.roleId}:${session.sessionName}`
      : `AIDA${accessKeyId.toUpperCase().padEnd(16, 'X')}`;
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function decodeJwtPart(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Token claims as the trust policy's condition keys: `<issuer host>:<claim>` (`...:sub`, `...:aud`). */
function claimContext(claims: Record<string, unknown>): Record<string, string | string[]> {
  const host = String(claims.iss ?? '').replace(/^https:\/\//, '');
  const context: Record<string, string | string[]> = {};
  for (const [claim, value] of Object.entries(claims)) {
    if (typeof value === 'string') context[`${host}:${claim}`] = value;
    else if (Array.isArray(value)) context[`${host}:${claim}`] = value.map(String);
  }
  return context;
}

function existingRole(iam: IamStore, roleArn: string, refuse: () => AwsError): Role {
  const role = iam.role(roleArn);
  if (!role) throw refuse();
  return role;
}

export function stsService(store: StsStore, iam: IamStore, now: () => number): QueryService {
  const assume = (params: Record<string, unknown>) => {
    const roleArn = String(params.RoleArn ?? '');
    const sessionName = String(params.RoleSessionName ?? '');
    const match = ROLE_ARN.exec(roleArn);
    if (!match)
      throw new AwsError('ValidationError', `1 validation error detected: Value '${roleArn}' at 'roleArn'`);
    if (!SESSION_NAME.test(sessionName)) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName'`,
      );
    }
    const duration = Number(params.DurationSeconds ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
      throw new AwsError('ValidationError', 'DurationSeconds must be between 900 and 43200');
    }
    const account = match[1]!;
    const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
    const accessKeyId = store.issue({ roleArn, sessionName, account, roleId });
    const roleName = roleArn.split('/').pop();
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: randomBytes(20).toString('base64'),
        SessionToken: randomBytes(48).toString('base64'),
        Expiration: new Date(now() + duration * 1000),
      },
      AssumedRoleUser: {
        AssumedRoleId: `${roleId}:${sessionName}`,
        Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
      },
    };
  };

  return {
    service: 'sts',
    version: '2011-06-15',
    namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    operations: {
      GetCallerIdentity: (_params, ctx) => ({
        UserId: store.userIdFor(ctx.caller.accessKeyId),
        Account: ctx.caller.account,
        Arn: ctx.caller.arn,
      }),
      AssumeRole: (params, ctx) => {
        const roleArn = String(params.RoleArn ?? '');
        const refuse = () =>
          new AwsError(
            'AccessDenied',
            `User: ${ctx.caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
            403,
          );
        const role = existingRole(iam, roleArn, refuse);
        const sourceIdentity = typeof params.SourceIdentity === 'string' ? params.SourceIdentity : undefined;
        const context = {
          'aws:PrincipalArn': ctx.caller.roleArn ?? ctx.caller.arn,
          'sts:RoleSessionName': String(params.RoleSessionName ?? ''),
          ...(sourceIdentity ? { 'sts:SourceIdentity': sourceIdentity } : {}),
        };
        const principals = [ctx.caller.arn, ...(ctx.caller.roleArn ? [ctx.caller.roleArn] : [])];
        const allowed = (action: string) =>
          principals.some((p) => trustAllows(role.trustPolicy, roleArn, 'AWS', p, action, context));
        if (!allowed('sts:AssumeRole')) throw refuse();
        if (sourceIdentity && !allowed('sts:SetSourceIdentity')) {
          throw new AwsError(
            'AccessDenied',
            `User: ${ctx.caller.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${roleArn}`,
            403,
          );
        }
        return {
          ...assume(params),
          PackedPolicySize: 0,
          ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
        };
      },
      AssumeRoleWithWebIdentity: (params) => {
        const token = String(params.WebIdentityToken ?? '');
        const parts = token.split('.');
        const header = parts.length === 3 ? decodeJwtPart(parts[0]!) : undefined;
        const claims = parts.length === 3 ? decodeJwtPart(parts[1]!) : undefined;
        if (!header || !claims)
          throw new AwsError('InvalidIdentityToken', "Couldn't parse the web identity token");
        const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
        const roleArn = String(params.RoleArn ?? '');
        const refuse = () =>
          new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
        const role = existingRole(iam, roleArn, refuse);
        const issuerHost = String(claims.iss ?? '').replace(/^https:\/\//, '');
        const provider = `arn:aws:iam::${roleArn.split(':')[4]}:oidc-provider/${issuerHost}`;
        if (
          !trustAllows(
            role.trustPolicy,
            roleArn,
            'Federated',
            provider,
            'sts:AssumeRoleWithWebIdentity',
            claimContext(claims),
          )
        ) {
          throw refuse();
        }
        return {
          ...assume(params),
          SubjectFromWebIdentityToken: String(claims.sub ?? randomUUID()),
          Audience: String(aud ?? 'sts.amazonaws.com'),
          Provider: String(claims.iss ?? 'token.actions.githubusercontent.com').replace(/^https:\/\//, ''),
        };
      },
    },
  };
}
