import { AwsError } from '../protocol/errors.ts';
import type { CallContext, JsonService } from '../protocol/types.ts';

interface ParameterVersion {
  Name: string;
  Type: string;
  Value: string;
  Version: number;
  LastModifiedDate: number;
  LastModifiedUser: string;
  Description?: string;
  DataType: string;
  Tier: string;
}

/** AWS keeps the last 100 versions of a parameter. */
const HISTORY_LIMIT = 100;
const TIER_LIMITS: Record<string, number> = { Standard: 4096, Advanced: 8192 };

export class SsmStore {
  readonly parameters = new Map<string, ParameterVersion[]>();

  latest(name: string): ParameterVersion | undefined {
    return this.parameters.get(name)?.at(-1);
  }

  put(input: Omit<ParameterVersion, 'Version'>): ParameterVersion {
    const versions = this.parameters.get(input.Name) ?? [];
    const version = { ...input, Version: (versions.at(-1)?.Version ?? 0) + 1 };
    versions.push(version);
    if (versions.length > HISTORY_LIMIT) versions.splice(0, versions.length - HISTORY_LIMIT);
    this.parameters.set(input.Name, versions);
    return version;
  }
}

function arnOf(name: string, ctx: CallContext): string {
  return `arn:aws:ssm:${ctx.region}:${ctx.caller.account}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

function notFound(): AwsError {
  return new AwsError('ParameterNotFound', 'Parameter not found.');
}

function wire(p: ParameterVersion, ctx: CallContext) {
  return {
    Name: p.Name,
    Type: p.Type,
    Value: p.Value,
    Version: p.Version,
    LastModifiedDate: p.LastModifiedDate / 1000,
    ARN: arnOf(p.Name, ctx),
    DataType: p.DataType,
  };
}

function validName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 2048) {
    throw new AwsError('ValidationException', 'Parameter name must be 1 to 2048 characters.');
  }
  if (/^\/?aws|^\/?ssm/i.test(name))
    throw new AwsError('ValidationException', 'Parameter name: can\'t be prefixed with "aws" or "ssm".');
  if (!/^[\w./-]+$/.test(name))
    throw new AwsError('ValidationException', 'Parameter name contains invalid characters.');
  return name;
}

export function ssmService(store: SsmStore, now: () => number): JsonService {
  return {
    service: 'ssm',
    targetPrefix: 'AmazonSSM',
    operations: {
      GetParameter: (params, ctx) => {
        const p = store.latest(String(params.Name ?? ''));
        if (!p) throw notFound();
        return { Parameter: wire(p, ctx) };
      },
      PutParameter: (params, ctx) => {
        const name = validName(params.Name);
        const existing = store.latest(name);
        if (existing && params.Overwrite !== true) {
          throw new AwsError(
            'ParameterAlreadyExists',
            'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
          );
        }
        const value = params.Value;
        if (typeof value !== 'string' || value.length === 0) {
          throw new AwsError('ValidationException', 'Parameter value must not be empty.');
        }
        const type = String(params.Type ?? existing?.Type ?? '');
        if (!['String', 'StringList', 'SecureString'].includes(type)) {
          throw new AwsError(
            'ValidationException',
            'A parameter type is required when you create a parameter.',
          );
        }
        let tier = String(params.Tier ?? existing?.Tier ?? 'Standard');
        if (tier === 'Intelligent-Tiering') tier = value.length > 4096 ? 'Advanced' : 'Standard';
        if (existing?.Tier === 'Advanced') tier = 'Advanced';
        if (value.length > (TIER_LIMITS[tier] ?? 4096)) {
          throw new AwsError(
            'ValidationException',
            tier === 'Standard'
              ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.'
              : 'Advanced tier parameters support a maximum parameter value of 8192 characters.',
          );
        }
        const stored = store.put({
          Name: name,
          Type: type,
          Value: value,
          LastModifiedDate: now(),
          LastModifiedUser: ctx.caller.arn,
          Description: typeof params.Description === 'string' ? params.Description : existing?.Description,
          DataType: String(params.DataType ?? 'text'),
          Tier: tier,
        });
        return { Version: stored.Version, Tier: tier };
      },
      DeleteParameter: (params) => {
        if (!store.parameters.delete(String(params.Name ?? ''))) throw notFound();
        return {};
      },
      GetParameterHistory: (params) => {
        const versions = store.parameters.get(String(params.Name ?? ''));
        if (!versions) throw notFound();
        const max = Number(params.MaxResults ?? 50);
        if (!Number.isInteger(max) || max < 1 || max > 50) {
          throw new AwsError('ValidationException', 'MaxResults must be between 1 and 50.');
        }
        const start = params.NextToken ? Number(params.NextToken) : 0;
        if (!Number.isInteger(start) || start < 0)
          throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
        const page = versions.slice(start, start + max);
        const next = start + max < versions.length ? String(start + max) : undefined;
        return {
          Parameters: page.map((p) => ({
            Name: p.Name,
            Type: p.Type,
            Value: p.Value,
            Version: p.Version,
            LastModifiedDate: p.LastModifiedDate / 1000,
            LastModifiedUser: p.LastModifiedUser,
            Description: p.Description,
            Labels: [],
            Tier: p.Tier,
            Policies: [],
            DataType: p.DataType,
          })),
          NextToken: next,
        };
      },
      GetParametersByPath: (params, ctx) => {
        const path = String(params.Path ?? '/');
        const prefix = path.endsWith('/') ? path : `${path}/`;
        const recursive = params.Recursive === true;
        const matches = [...store.parameters.keys()]
          .filter((n) => n.startsWith(prefix) && (recursive || !n.slice(prefix.length).includes('/')))
          .sort();
        return { Parameters: matches.map((n) => wire(store.latest(n)!, ctx)) };
      },
    },
  };
}
