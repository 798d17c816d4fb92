/**
 * Route templates as the Functions host understands them (ASP.NET Core routing, simplified):
 * literal segments (case-insensitive), `{name}`, `{name?}`, `{name:constraint}` and a trailing `{*name}`
 * catch-all. When several templates match a path, the more specific wins: literal before parameter before
 * optional before catch-all, segment by segment, as in ASP.NET.
 */

type Segment =
  { kind: 'literal'; text: string } | { kind: 'parameter'; name: string; optional: boolean; constraint?: string } | { kind: 'catchAll'; name: string };

export interface CompiledRoute<T> {
  template: string;
  segments: Segment[];
  methods: Set<string>;
  target: T;
}

export interface RouteMatch<T> {
  route: CompiledRoute<T>;
  params: Record<string, string>;
}

function parseSegment(text: string, template: string): Segment {
  const parameter = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(\?)?(?::([^}]+))?\}$/.exec(text);
  if (!parameter) {
    if (/[{}]/.test(text)) throw new Error(`Unsupported route segment "${text}" in "${template}"`);
    return { kind: 'literal', text: text.toLowerCase() };
  }
  const [, star, name, optional, constraint] = parameter;
  if (star) return { kind: 'catchAll', name: name! };
  return { kind: 'parameter', name: name!, optional: Boolean(optional), ...(constraint ? { constraint } : {}) };
}

export function compileRoute<T>(template: string, methods: string[], target: T): CompiledRoute<T> {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map((s) => parseSegment(s, template));
  segments.forEach((segment, index) => {
    if (segment.kind === 'catchAll' && index !== segments.length - 1) {
      throw new Error(`A catch-all parameter must be the last segment of "${template}"`);
    }
  });
  return { template, segments, methods: new Set(methods.map((m) => m.toUpperCase())), target };
}

function rank(segment: Segment | undefined): number {
  if (!segment) return 4;
  if (segment.kind === 'literal') return 0;
  if (segment.kind === 'catchAll') return 3;
  return segment.optional ? 2 : segment.constraint ? 0.5 : 1;
}

/** Orders routes from most to least specific. */
export function compareSpecificity<T>(a: CompiledRoute<T>, b: CompiledRoute<T>): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const difference = rank(a.segments[i]) - rank(b.segments[i]);
    if (difference !== 0) return difference;
  }
  return b.segments.length - a.segments.length;
}

function satisfies(value: string, constraint: string | undefined): boolean {
  if (!constraint) return true;
  switch (constraint) {
    case 'int':
    case 'long':
      return /^-?\d+$/.test(value);
    case 'guid':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
    case 'alpha':
      return /^[a-z]+$/i.test(value);
    case 'bool':
      return /^(true|false)$/i.test(value);
    default:
      return true;
  }
}

/**
 * Decodes each segment of a path; undefined when a segment has a broken percent-escape (`%E0%A4%A`, `%zz`),
 * which `decodeURIComponent` throws on. The host answers such paths with 400 instead of matching them.
 */
export function decodePathSegments(pathname: string): string[] | undefined {
  const trimmed = pathname.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  try {
    return trimmed.split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

export function matchPath<T>(route: CompiledRoute<T>, pathname: string): Record<string, string> | undefined {
  const parts = decodePathSegments(pathname);
  if (!parts) return undefined;
  const params: Record<string, string> = {};
  let index = 0;
  for (const segment of route.segments) {
    if (segment.kind === 'catchAll') {
      params[segment.name] = parts.slice(index).join('/');
      return params;
    }
    const part = parts[index];
    if (part === undefined) {
      if (segment.kind === 'parameter' && segment.optional) continue;
      return undefined;
    }
    if (segment.kind === 'literal') {
      if (part.toLowerCase() !== segment.text) return undefined;
    } else {
      if (!satisfies(part, segment.constraint)) return undefined;
      params[segment.name] = part;
    }
    index++;
  }
  return index === parts.length ? params : undefined;
}

export class RouteTable<T> {
  private readonly routes: CompiledRoute<T>[] = [];

  add(template: string, methods: string[], target: T): void {
    this.routes.push(compileRoute(template, methods, target));
    this.routes.sort(compareSpecificity);
  }

  /**
   * Finds the most specific route for the path that accepts the method. `allowed` lists the methods of every
   * route matching the path, for a 405 with an `Allow` header.
   */
  find(method: string, pathname: string): { match?: RouteMatch<T>; allowed: string[] } {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchPath(route, pathname);
      if (!params) continue;
      if (route.methods.has(method.toUpperCase())) return { match: { route, params }, allowed: [...route.methods] };
      // A catch-all (the dashboard) answering GET should not turn a mistyped POST into a 405.
      if (route.segments.at(-1)?.kind !== 'catchAll') route.methods.forEach((m) => allowed.add(m));
    }
    return { allowed: [...allowed] };
  }
}
