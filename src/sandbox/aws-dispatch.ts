import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultStore } from './faults.ts';
import type { CheckedAuthorization, IamGuard } from './iam/guard.ts';
import { AwsError } from './protocol/errors.ts';
import { parseQueryParams, queryError, queryResponse, toXml } from './protocol/query.ts';
import type { CallContext, JsonService, QueryService, ServiceName } from './protocol/types.ts';
import type { RequestLog } from './request-log.ts';
import type { StsStore } from './services/sts.ts';

export interface DispatchDeps {
  json: JsonService[];
  query: QueryService[];
  sts: StsStore;
  faults: FaultStore;
  log: RequestLog;
  guard: IamGuard;
  now: () => number;
  onError?: (err: unknown) => void;
}

interface Routed {
  service: ServiceName;
  operation: string;
  params: Record<string, unknown>;
  protocol: 'json' | 'query';
  run: (ctx: CallContext) => Promise<string>;
}

/** Credential=AKID/date/region/service/aws4_request: the sandbox trusts it without checking the signature. */
function credentialScope(req: IncomingMessage): { accessKeyId: string; region: string } {
  const auth = req.headers.authorization ?? '';
  const match = /Credential=([^/,\s]+)\/\d+\/([^/]+)\//.exec(auth);
  return { accessKeyId: match?.[1] ?? '', region: match?.[2] ?? 'eu-west-1' };
}

function route(deps: DispatchDeps, req: IncomingMessage, body: string): Routed | AwsError {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    const svc = deps.json.find((s) => s.targetPrefix === prefix);
    const handler = svc?.operations[operation];
    if (!svc || !handler) return new AwsError('UnknownOperationException', `Unknown operation ${target}`);
    let params: Record<string, unknown>;
    try {
      params = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      return new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    return {
      service: svc.service,
      operation,
      params,
      protocol: 'json',
      run: async (ctx) => JSON.stringify((await handler(params, ctx)) ?? {}),
    };
  }
  const params = parseQueryParams(body);
  const action = String(params.Action ?? '');
  const svc = deps.query.find((s) => s.version === params.Version && s.operations[action]);
  if (!svc)
    return new AwsError(
      'InvalidAction',
      `Could not find operation ${action} for version ${String(params.Version)}`,
    );
  const { Action: _a, Version: _v, ...rest } = params;
  return {
    service: svc.service,
    operation: action,
    params: rest,
    protocol: 'query',
    run: async (ctx) => queryResponse(action, svc.namespace, toXml(await svc.operations[action]!(rest, ctx))),
  };
}

function send(
  res: ServerResponse,
  protocol: 'json' | 'query',
  status: number,
  body: string,
  errorCode?: string,
): void {
  const headers: Record<string, string> = {
    'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'text/xml',
    'x-amzn-requestid': crypto.randomUUID(),
  };
  if (errorCode) headers['x-amzn-errortype'] = errorCode;
  res.writeHead(status, headers);
  res.end(body);
}

function errorBody(protocol: 'json' | 'query', err: AwsError): string {
  return protocol === 'json' ? JSON.stringify({ __type: err.code, message: err.message }) : queryError(err);
}

/** Answers one AWS API request: route, inject faults, run, log. */
export async function dispatchAws(
  deps: DispatchDeps,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) {
  const routed = route(deps, req, body);
  const protocol =
    routed instanceof AwsError ? (req.headers['x-amz-target'] ? 'json' : 'query') : routed.protocol;
  if (routed instanceof AwsError)
    return send(res, protocol, routed.status, errorBody(protocol, routed), routed.code);
  const { accessKeyId, region } = credentialScope(req);
  const caller = deps.sts.callerFor(accessKeyId);
  let status = 200;
  let authorizations: CheckedAuthorization[] | undefined;
  try {
    const latency = deps.faults.latencyFor(routed.operation);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const fault = deps.faults.requestFault(routed.operation);
    if (fault?.kind === 'throttle') {
      throw new AwsError(protocol === 'json' ? 'ThrottlingException' : 'Throttling', 'Rate exceeded', 400);
    }
    if (fault?.kind === 'error') {
      throw fault.status === 500
        ? new AwsError(
            'InternalFailure',
            'The request processing has failed because of an unknown error.',
            500,
          )
        : new AwsError('ServiceUnavailable', 'The service is unavailable. Please try again later.', 503);
    }
    const roleArn = String(routed.params.RoleArn ?? '');
    if (routed.operation.startsWith('AssumeRole') && deps.faults.refusesRole(roleArn)) {
      const action = routed.operation === 'AssumeRole' ? 'sts:AssumeRole' : 'sts:AssumeRoleWithWebIdentity';
      throw new AwsError(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${roleArn}`,
        403,
      );
    }
    await deps.guard.check(
      {
        service: routed.service,
        operation: routed.operation,
        params: routed.params,
        protocol,
        region,
        caller,
      },
      (checked) => {
        authorizations = checked;
      },
    );
    const callFault = deps.faults.callFault(routed.operation, routed.params);
    if (callFault?.kind === 'hang') {
      // Logged with status 0; the server's stop closes the connection.
      status = 0;
      return;
    }
    const out = await routed.run({ caller, region });
    if (callFault?.kind === 'stall') await new Promise((r) => setTimeout(r, callFault.ms ?? 1000));
    if (callFault?.kind === 'lost-response')
      throw new AwsError('InternalFailure', 'We encountered an internal error. Please try again.', 500);
    send(res, protocol, 200, out);
  } catch (err) {
    const awsErr =
      err instanceof AwsError
        ? err
        : new AwsError('InternalFailure', `sandbox error: ${(err as Error).message}`, 500);
    if (!(err instanceof AwsError)) deps.onError?.(err);
    status = awsErr.status;
    send(res, protocol, status, errorBody(protocol, awsErr), awsErr.code);
  } finally {
    deps.log.add({
      service: routed.service,
      operation: routed.operation,
      params: routed.params,
      caller: caller.principal,
      status,
      ts: new Date(deps.now()).toISOString(),
      ...(authorizations ? { authorizations } : {}),
    });
  }
}
