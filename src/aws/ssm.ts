/** ParameterStore over SSM: the descriptor, the lock and the release ledger. */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { ParameterStore } from '../pipeline/ports.ts';
import { isAwsError } from './errors.ts';

/** Standard parameters hold 4 KB; larger values need the Advanced tier. */
export const STANDARD_TIER_MAX_BYTES = 4096;

export function tierFor(value: string): 'Standard' | 'Advanced' {
  return Buffer.byteLength(value, 'utf8') > STANDARD_TIER_MAX_BYTES ? 'Advanced' : 'Standard';
}

export function createParameterStore(client: () => SSMClient): ParameterStore {
  return {
    async get(name) {
      try {
        const out = await client().send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        const parameter = out.Parameter;
        if (parameter?.Value === undefined) return undefined;
        return { value: parameter.Value, version: parameter.Version ?? 0 };
      } catch (err) {
        if (isAwsError(err, 'ParameterNotFound')) return undefined;
        throw err;
      }
    },

    async putIfAbsent(name, value) {
      try {
        await client().send(
          new PutParameterCommand({
            Name: name,
            Value: value,
            Type: 'String',
            Tier: tierFor(value),
            Overwrite: false,
          }),
        );
        return true;
      } catch (err) {
        if (isAwsError(err, 'ParameterAlreadyExists')) return false;
        throw err;
      }
    },

    async put(name, value) {
      const out = await client().send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'String',
          Tier: tierFor(value),
          Overwrite: true,
        }),
      );
      return out.Version ?? 0;
    },

    async delete(name) {
      try {
        await client().send(new DeleteParameterCommand({ Name: name }));
      } catch (err) {
        // Deleting what is already gone is the state we wanted.
        if (!isAwsError(err, 'ParameterNotFound')) throw err;
      }
    },

    async history(name) {
      const entries: { value: string; version: number; lastModified: Date }[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const out = await client().send(
            new GetParameterHistoryCommand({
              Name: name,
              WithDecryption: true,
              MaxResults: 50,
              NextToken: nextToken,
            }),
          );
          for (const p of out.Parameters ?? []) {
            if (p.Value === undefined) continue;
            entries.push({
              value: p.Value,
              version: p.Version ?? 0,
              lastModified: p.LastModifiedDate ?? new Date(0),
            });
          }
          nextToken = out.NextToken;
        } while (nextToken);
      } catch (err) {
        if (isAwsError(err, 'ParameterNotFound')) return [];
        throw err;
      }
      return entries.sort((a, b) => a.version - b.version);
    },
  };
}
