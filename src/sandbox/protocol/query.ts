import { randomUUID } from 'node:crypto';
import type { AwsError } from './errors.ts';

type Tree = { [key: string]: Tree | string };

/**
 * Turns awsQuery form fields (`Tags.Tag.1.Key`, `Subnets.member.2`) into plain objects and arrays:
 * numbered keys become arrays, and the list wrapper (`member`, `Tag`, ...) in front of them is dropped.
 */
export function parseQueryParams(body: string): Record<string, unknown> {
  const root: Tree = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else {
        const next = node[part];
        if (typeof next === 'object') node = next;
        else {
          const created: Tree = {};
          node[part] = created;
          node = created;
        }
      }
    });
  }
  return normalize(root) as Record<string, unknown>;
}

function normalize(node: Tree | string): unknown {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => normalize(node[k]!));
  }
  if (keys.length === 1) {
    const only = node[keys[0]!]!;
    if (
      typeof only === 'object' &&
      Object.keys(only).every((k) => /^\d+$/.test(k)) &&
      Object.keys(only).length > 0
    ) {
      return normalize(only);
    }
  }
  // An empty list is sent as `Name=` and arrives as an empty string.
  return Object.fromEntries(keys.map((k) => [k, normalize(node[k]!)]));
}

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

export type XmlValue = string | number | boolean | Date | undefined | null | XmlNode | XmlValue[];
/** A structure: each key an element. Arrays need `list()` to name their members. */
export interface XmlNode {
  [key: string]: XmlValue | XmlList;
}
export interface XmlList {
  readonly member: string;
  readonly items: XmlValue[];
}

export function list(member: string, items: XmlValue[]): XmlList {
  return { member, items };
}

function isList(value: unknown): value is XmlList {
  return typeof value === 'object' && value !== null && 'member' in value && 'items' in value;
}

export function toXml(node: XmlNode): string {
  let out = '';
  for (const [key, value] of Object.entries(node)) out += element(key, value);
  return out;
}

function element(name: string, value: XmlValue | XmlList): string {
  if (value === undefined || value === null) return '';
  if (isList(value))
    return `<${name}>${value.items.map((item) => element(value.member, item)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (Array.isArray(value)) return element(name, list('member', value));
  if (typeof value === 'object') return `<${name}>${toXml(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function queryResponse(action: string, namespace: string, resultXml: string): string {
  return (
    `<${action}Response xmlns="${namespace}"><${action}Result>${resultXml}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryError(error: Pick<AwsError, 'code' | 'message' | 'status'>): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}
