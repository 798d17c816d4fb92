/**
 * A stand-in for `@azure/functions-core`, the module the Azure Functions Node worker provides at run time.
 * `@azure/functions` requires it lazily and calls `registerFunction(metadata, handler)` for every
 * `app.http` / `app.timer` / `app.storageQueue`; we capture those registrations so the local host can serve
 * them. Installed by hooking the CommonJS loader, because `@azure/functions` is a CommonJS bundle that
 * `require`s the module by name.
 */
import Module from 'node:module';

export interface RpcBindingInfo {
  type: string;
  direction?: string;
  name?: string;
  [property: string]: unknown;
}

export interface CapturedFunction {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  /** The handler exactly as the app registered it: `(triggerInput, context) => result`. */
  handler: (...args: unknown[]) => unknown;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | string;
type HookCallback = (context: unknown) => unknown;

interface Disposable {
  dispose(): void;
}

class FunctionsCoreStandIn {
  readonly functions: CapturedFunction[] = [];
  readonly hooks = new Map<HookName, HookCallback[]>();
  programmingModel: unknown;

  setProgrammingModel(model: unknown): void {
    this.programmingModel = model;
  }

  getProgrammingModel(): unknown {
    return this.programmingModel;
  }

  registerFunction(metadata: { name: string; bindings: Record<string, RpcBindingInfo> }, handler: (...args: unknown[]) => unknown): Disposable {
    if (this.functions.some((f) => f.name === metadata.name)) {
      throw new Error(`A function named "${metadata.name}" is already registered`);
    }
    const captured: CapturedFunction = { name: metadata.name, bindings: metadata.bindings, handler };
    this.functions.push(captured);
    return { dispose: () => this.functions.splice(this.functions.indexOf(captured), 1) };
  }

  registerHook(name: HookName, callback: HookCallback): Disposable {
    const list = this.hooks.get(name) ?? [];
    list.push(callback);
    this.hooks.set(name, list);
    return { dispose: () => list.splice(list.indexOf(callback), 1) };
  }

  log(level: string, category: string, message: string): void {
    if (level === 'error' || level === 'warning') process.stderr.write(`[worker ${level}] ${message}\n`);
  }
}

const GLOBAL_KEY = Symbol.for('retail-datagen.functions-core-stand-in');
type GlobalWithStandIn = typeof globalThis & { [GLOBAL_KEY]?: FunctionsCoreStandIn };

/**
 * Installs the stand-in (once per process) and returns it. Must run before the app's first `app.*` call;
 * the library looks the core module up lazily on first registration.
 */
export function installFunctionsCore(): FunctionsCoreStandIn {
  const globals = globalThis as GlobalWithStandIn;
  const existing = globals[GLOBAL_KEY];
  if (existing) return existing;
  const standIn = new FunctionsCoreStandIn();
  globals[GLOBAL_KEY] = standIn;
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const originalLoad = loader._load;
  loader._load = function load(request: string, parent: unknown, isMain: boolean) {
    if (request === '@azure/functions-core') return standIn;
    return originalLoad.call(this, request, parent, isMain);
  };
  return standIn;
}
