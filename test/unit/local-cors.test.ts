/** The local host's CORS rules (src/local/cors.ts): off by default, exact origins or `*`, preflights answered. */
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { corsResponseHeaders, parseCorsOrigins, preflightHeaders } from '../../src/local/cors.js';

const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as http.IncomingMessage;

describe('local CORS', () => {
  it('parses a comma-separated list, ignoring blanks and trailing slashes', () => {
    expect(parseCorsOrigins(' https://a.example/, ,http://localhost:3000 ')).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(parseCorsOrigins(undefined)).toEqual([]);
  });

  it('adds headers only for an allowed origin, and never allows credentials', () => {
    const origins = ['https://a.example'];
    expect(corsResponseHeaders([], request('GET', { origin: 'https://a.example' }))).toEqual({});
    expect(corsResponseHeaders(origins, request('GET', { origin: 'https://b.example' }))).toEqual({});
    expect(corsResponseHeaders(origins, request('GET', {}))).toEqual({});
    const headers = corsResponseHeaders(origins, request('GET', { origin: 'https://A.example' }));
    expect(headers).toMatchObject({ 'access-control-allow-origin': 'https://A.example', vary: 'Origin' });
    expect(headers['access-control-expose-headers']).toContain('retry-after');
    expect(Object.keys(headers)).not.toContain('access-control-allow-credentials');
    expect(corsResponseHeaders(['*'], request('GET', { origin: 'https://any.example' }))['access-control-allow-origin']).toBe('*');
  });

  it('answers a preflight for a method the path serves, with the requested headers', () => {
    const origins = ['https://a.example'];
    const preflight = (headers: Record<string, string>, methods = ['GET', 'PUT']) =>
      preflightHeaders(origins, request('OPTIONS', { origin: 'https://a.example', ...headers }), methods);
    expect(preflight({ 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-functions-key, content-type' })).toMatchObject({
      'access-control-allow-origin': 'https://a.example',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'x-functions-key, content-type',
    });
    expect(preflight({ 'access-control-request-method': 'DELETE' })).toBeUndefined();
    expect(preflight({})).toBeUndefined();
    expect(preflightHeaders(origins, request('OPTIONS', { origin: 'https://b.example', 'access-control-request-method': 'GET' }), ['GET'])).toBeUndefined();
  });
});
