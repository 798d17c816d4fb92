import { describe, expect, it } from 'vitest';
import { RouteTable, compileRoute, decodePathSegments, matchPath } from '../../src/local/routes.js';

describe('route templates', () => {
  it('matches literals case-insensitively and extracts decoded parameters', () => {
    const route = compileRoute('api/generators/jobs/{operation_id}', ['GET'], 'job');
    expect(matchPath(route, '/API/Generators/jobs/abc%20def')).toEqual({ operation_id: 'abc def' });
    expect(matchPath(route, '/api/generators/jobs')).toBeUndefined();
    expect(matchPath(route, '/api/generators/jobs/a/b')).toBeUndefined();
  });

  it('does not match (nor throw on) a path with a broken percent-escape', () => {
    const route = compileRoute('api/generators/jobs/{operation_id}', ['GET'], 'job');
    expect(() => matchPath(route, '/api/generators/jobs/%E0%A4%A')).not.toThrow();
    expect(matchPath(route, '/api/generators/jobs/%E0%A4%A')).toBeUndefined();
    expect(matchPath(compileRoute('{*path}', ['GET'], 0), '/a/%zz')).toBeUndefined();
    expect(decodePathSegments('/a/%zz')).toBeUndefined();
    expect(decodePathSegments('/a%2Fb/c%20d/')).toEqual(['a/b', 'c d']);
  });

  it('supports optional parameters, constraints and a trailing catch-all', () => {
    expect(matchPath(compileRoute('api/items/{id?}', ['GET'], 0), '/api/items')).toEqual({});
    expect(matchPath(compileRoute('api/items/{id:int}', ['GET'], 0), '/api/items/x')).toBeUndefined();
    expect(matchPath(compileRoute('api/items/{id:int}', ['GET'], 0), '/api/items/12')).toEqual({ id: '12' });
    const catchAll = compileRoute('{*path}', ['GET'], 0);
    expect(matchPath(catchAll, '/')).toEqual({ path: '' });
    expect(matchPath(catchAll, '/a/b.js')).toEqual({ path: 'a/b.js' });
    expect(() => compileRoute('{*rest}/x', ['GET'], 0)).toThrow(/last segment/);
  });

  it('chooses the most specific route whatever the registration order', () => {
    const table = new RouteTable<string>();
    table.add('{*path}', ['GET'], 'dashboard');
    table.add('api/items/{id}', ['GET'], 'item');
    table.add('api/items/latest', ['GET'], 'latest');
    expect(table.find('GET', '/api/items/latest').match?.route.target).toBe('latest');
    expect(table.find('GET', '/api/items/9').match?.route.target).toBe('item');
    expect(table.find('GET', '/').match?.route.target).toBe('dashboard');
  });

  it('reports the allowed methods for a path without turning catch-all GETs into 405s', () => {
    const table = new RouteTable<string>();
    table.add('{*path}', ['GET'], 'dashboard');
    table.add('api/stream/config', ['GET'], 'get');
    table.add('api/stream/config', ['PUT'], 'put');
    expect(table.find('PUT', '/api/stream/config').match?.route.target).toBe('put');
    const post = table.find('POST', '/api/stream/config');
    expect(post.match).toBeUndefined();
    expect(post.allowed.sort()).toEqual(['GET', 'PUT']);
    expect(table.find('POST', '/api/unknown').allowed).toEqual([]);
  });
});
