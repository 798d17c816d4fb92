/**
 * Connection-string parsing and masking. Secrets (SharedAccessKey, AccountKey, SharedAccessSignature) never
 * leave the process whole: responses and logs get `maskConnectionString` output.
 */
import { ValidationError } from '../errors.js';

export const MASK = '***';

const SECRET_PARTS = new Set(['sharedaccesskey', 'accountkey', 'sharedaccesssignature', 'password', 'pwd', 'clientsecret']);

export interface ConnectionStringPart {
  key: string;
  value: string;
}

/** Splits `Key=Value;Key=Value` keeping values that contain `=` (base64 keys end in `=`). */
export function parseConnectionStringParts(connectionString: string): ConnectionStringPart[] | undefined {
  const parts: ConnectionStringPart[] = [];
  for (const segment of connectionString.split(';')) {
    if (segment.trim() === '') continue;
    const equals = segment.indexOf('=');
    if (equals <= 0) return undefined;
    parts.push({ key: segment.slice(0, equals).trim(), value: segment.slice(equals + 1).trim() });
  }
  return parts.length > 0 ? parts : undefined;
}

/**
 * Masks every secret part. Anything that does not parse as `Key=Value` pairs is masked whole, because we
 * cannot tell which part of it is secret.
 */
export function maskConnectionString(connectionString: string | undefined | null): string | null {
  if (connectionString === undefined || connectionString === null || connectionString === '') return null;
  const parts = parseConnectionStringParts(connectionString);
  if (!parts) return MASK;
  return parts.map(({ key, value }) => `${key}=${SECRET_PARTS.has(key.toLowerCase()) ? MASK : value}`).join(';');
}

export interface EventHubsConnectionInfo {
  endpoint: string;
  /** Host (and port, for the emulator) of the namespace. */
  fullyQualifiedNamespace: string;
  sharedAccessKeyName: string;
  entityPath?: string;
  useDevelopmentEmulator: boolean;
}

export const INVALID_CONNECTION_STRING = 'Invalid connection string format';

/**
 * Validates an Event Hubs / Fabric Eventstream connection string: Endpoint, SharedAccessKeyName and
 * SharedAccessKey are required, EntityPath and UseDevelopmentEmulator=true are optional.
 */
export function parseEventHubsConnectionString(connectionString: string, field = 'realtime.azure_connection_string'): EventHubsConnectionInfo {
  const parts = parseConnectionStringParts(connectionString);
  const fail = (why: string) => ValidationError.single(field, `${INVALID_CONNECTION_STRING}: ${why}`);
  if (!parts) throw fail('expected Key=Value pairs separated by ";"');
  const byKey = new Map(parts.map((part) => [part.key.toLowerCase(), part.value]));
  const endpoint = byKey.get('endpoint');
  const keyName = byKey.get('sharedaccesskeyname');
  const key = byKey.get('sharedaccesskey');
  const missing = [endpoint ? undefined : 'Endpoint', keyName ? undefined : 'SharedAccessKeyName', key ? undefined : 'SharedAccessKey'].filter(Boolean);
  if (missing.length > 0) throw fail(`missing ${missing.join(', ')}`);
  const match = /^sb:\/\/([^/;]+)\/?$/i.exec(endpoint!);
  if (!match) throw fail('Endpoint must look like sb://<namespace>.servicebus.windows.net/');
  const entityPath = byKey.get('entitypath') || undefined;
  return {
    endpoint: endpoint!,
    fullyQualifiedNamespace: match[1]!,
    sharedAccessKeyName: keyName!,
    ...(entityPath ? { entityPath } : {}),
    useDevelopmentEmulator: (byKey.get('usedevelopmentemulator') ?? '').toLowerCase() === 'true',
  };
}

const SECRET_PATTERNS: RegExp[] = [
  /((?:SharedAccessKey|AccountKey|SharedAccessSignature|ClientSecret|Password|Pwd)\s*=\s*)[^;"'\s]+/gi,
  /([?&](?:sig|code|key)=)[^&"'\s]+/gi,
  /(x-functions-key["']?\s*[:=]\s*["']?)[^"',\s]+/gi,
  /(Bearer\s+)[A-Za-z0-9._~+/-]+=*/g,
];

/** Masks anything that looks like a secret inside free text (error messages, log lines). */
export function redactSecrets(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, `$1${MASK}`);
  return result;
}
