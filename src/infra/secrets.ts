import { createHmac } from 'node:crypto';
import { type Json, SECRET_TEXT } from './model.ts';

/**
 * Secrets leave a program run only as `{ "@secret": <digest> }`: an HMAC under a key
 * made for this one preview, so the two runs can tell "changed" from "same" while
 * the digest means nothing outside it.
 */
export const SECRET_MARKER = '@secret';

// How Pulumi's wire format (and the engine's event stream) wraps a secret value.
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export function isSecretMarker(value: unknown): value is { [SECRET_MARKER]: string } {
  return isPlainObject(value) && typeof value[SECRET_MARKER] === 'string' && Object.keys(value).length === 1;
}

function isPulumiSecret(value: unknown): value is { value?: unknown } {
  return isPlainObject(value) && value[SIG_KEY] === SECRET_SIG;
}

export function isPlainObject(value: unknown): value is Record<string, Json> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON with sorted keys: equal values give equal text whatever order their keys were set in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isPlainObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

export function secretMarker(value: unknown, key: string): { [SECRET_MARKER]: string } {
  const digest = createHmac('sha256', key)
    .update(canonicalJson(value) ?? 'undefined')
    .digest('hex');
  return { [SECRET_MARKER]: digest };
}

/**
 * Plain JSON from whatever the Pulumi runtime handed the mocks: secrets sealed into
 * markers, anything that is not data (resource references, assets) named instead of dumped.
 */
export function sealSecrets(value: unknown, key: string): Json {
  if (isPulumiSecret(value)) return secretMarker(unwrapSecrets(value.value), key);
  if (Array.isArray(value)) return value.map((v) => sealSecrets(v, key));
  if (isPlainObject(value)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = sealSecrets(v, key);
    return out;
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  return `[${value.constructor?.name ?? 'object'}]`;
}

function unwrapSecrets(value: unknown): unknown {
  if (isPulumiSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

/** What a report may show: every sealed or Pulumi-wrapped secret becomes `[secret]`. */
export function maskSecrets(value: Json): Json {
  if (isSecretMarker(value) || isPulumiSecret(value)) return SECRET_TEXT;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  return value;
}

/** Whether a value holds a secret anywhere inside it. */
export function containsSecret(value: Json): boolean {
  if (isSecretMarker(value) || isPulumiSecret(value) || value === SECRET_TEXT) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (isPlainObject(value)) return Object.values(value).some(containsSecret);
  return false;
}
