/**
 * Offline Bicep reading with tree-sitter-bicep (the Bicep compiler cannot be downloaded here): parse every file
 * of infra/, find declarations in the syntax tree, and follow a value through variables, module parameters and
 * module outputs to where it comes from (`principalId` in storage.bicep -> `identity.outputs.principalId` in
 * resources.bicep -> `identity.properties.principalId` in identity.bicep).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export interface SyntaxNode {
  type: string;
  text: string;
  children: SyntaxNode[];
  namedChildren: SyntaxNode[];
  parent: SyntaxNode | null;
  isMissing: boolean;
  startIndex: number;
  endIndex: number;
  startPosition: { row: number; column: number };
}

interface ParserInstance {
  setLanguage(language: unknown): void;
  parse(text: string): { rootNode: SyntaxNode };
}

const Parser = require('tree-sitter') as new () => ParserInstance;
const Bicep = require('tree-sitter-bicep') as unknown;
const parser = new Parser();
parser.setLanguage(Bicep);

export interface BicepFile {
  /** Path relative to the infra folder, with forward slashes (`modules/storage.bicep`). */
  name: string;
  text: string;
  root: SyntaxNode;
}

export function parseBicepText(name: string, text: string): BicepFile {
  return { name, text, root: parser.parse(text).rootNode };
}

export function* walk(node: SyntaxNode): Generator<SyntaxNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

/** ERROR and MISSING nodes: what tree-sitter inserts where the text is not Bicep. */
export function syntaxErrors(root: SyntaxNode): SyntaxNode[] {
  return [...walk(root)].filter((n) => n.type === 'ERROR' || n.isMissing);
}

export function unquote(text: string): string {
  return text.replace(/^'|'$/g, '');
}

export interface Declaration {
  kind: 'param' | 'var' | 'output' | 'resource' | 'module';
  name: string;
  node: SyntaxNode;
  file: BicepFile;
}

export interface ResourceDeclaration extends Declaration {
  kind: 'resource';
  /** `Microsoft.Storage/storageAccounts` (no API version). */
  type: string;
  body: SyntaxNode;
  /** A reference to a resource deployed elsewhere (`existing`), not a declaration of one. */
  existing: boolean;
  /** Deployed under a condition (`= if (...) {`). */
  conditional: boolean;
}

export interface ModuleDeclaration extends Declaration {
  kind: 'module';
  /** The module's file, relative to the infra folder. */
  target: string;
  body: SyntaxNode;
}

const KINDS: Record<string, Declaration['kind']> = {
  parameter_declaration: 'param',
  variable_declaration: 'var',
  output_declaration: 'output',
  resource_declaration: 'resource',
  module_declaration: 'module',
};

/** The object that is a resource's or module's body (after `=`, possibly inside `if (...)`). */
function bodyOf(node: SyntaxNode): SyntaxNode {
  const direct = node.namedChildren.find((n) => n.type === 'object');
  if (direct) return direct;
  const conditional = node.namedChildren.find((n) => n.type === 'if_statement');
  const body = conditional?.namedChildren.find((n) => n.type === 'object');
  if (!body) throw new Error(`no body in ${node.text.slice(0, 80)}`);
  return body;
}

/** The value node of `key:` directly inside an object (keys may be identifiers or quoted strings). */
export function property(object: SyntaxNode, key: string): SyntaxNode | undefined {
  for (const child of object.namedChildren) {
    if (child.type === 'object_property' && unquote(child.namedChildren[0]!.text) === key) return child.namedChildren[1];
  }
  return undefined;
}

/** The value at a dotted path of nested objects (`properties.principalId`). */
export function propertyPath(object: SyntaxNode, dotted: string): SyntaxNode | undefined {
  let current: SyntaxNode | undefined = object;
  for (const key of dotted.split('.')) {
    if (!current || current.type !== 'object') return undefined;
    current = property(current, key);
  }
  return current;
}

/** A reference to a value: a node of a file, a value from main.parameters.json, or a top-level parameter. */
export type Value =
  { kind: 'node'; file: BicepFile; node: SyntaxNode } | { kind: 'json'; value: unknown; parameter: string } | { kind: 'unresolved'; why: string };

export class BicepProject {
  readonly files: BicepFile[];

  constructor(
    files: BicepFile[],
    /** main.parameters.json's `parameters`, for the values azd passes to main.bicep. */
    readonly parametersJson: Record<string, { value: unknown }>,
    /** Files deployed on their own (main.bicep; resources.bicep with `az deployment group create`). */
    readonly entries: readonly string[] = ['main.bicep', 'modules/resources.bicep'],
    /** The JSON files of infra/ (what `loadJsonContent` reads), by path relative to the infra folder. */
    readonly json: Readonly<Record<string, unknown>> = {},
  ) {
    this.files = files;
  }

  static load(infraFolder: string): BicepProject {
    const names: string[] = [];
    const collect = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) collect(full);
        else if (entry.name.endsWith('.bicep')) names.push(path.relative(infraFolder, full).split(path.sep).join('/'));
      }
    };
    collect(infraFolder);
    const files = names.sort().map((name) => parseBicepText(name, readFileSync(path.join(infraFolder, name), 'utf8')));
    const parameters = JSON.parse(readFileSync(path.join(infraFolder, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> };
    const json: Record<string, unknown> = {};
    for (const entry of readdirSync(infraFolder)) {
      if (entry.endsWith('.json')) json[entry] = JSON.parse(readFileSync(path.join(infraFolder, entry), 'utf8'));
    }
    return new BicepProject(files, parameters.parameters, undefined, json);
  }

  /** A copy with one file's text changed (for tests that prove a check can fail). Throws if nothing changed. */
  withText(name: string, change: (text: string) => string): BicepProject {
    const file = this.file(name);
    const text = change(file.text);
    if (text === file.text) throw new Error(`mutation of ${name} changed nothing`);
    return new BicepProject(
      this.files.map((f) => (f.name === name ? parseBicepText(name, text) : f)),
      this.parametersJson,
      this.entries,
      this.json,
    );
  }

  withParameters(parameters: Record<string, { value: unknown }>): BicepProject {
    return new BicepProject(this.files, parameters, this.entries, this.json);
  }

  /** A copy with one JSON file of infra/ changed (for tests that prove a check can fail). */
  withJson(name: string, change: (value: unknown) => unknown): BicepProject {
    if (!(name in this.json)) throw new Error(`no ${name}`);
    const copy = change(structuredClone(this.json[name]));
    return new BicepProject(this.files, this.parametersJson, this.entries, { ...this.json, [name]: copy });
  }

  /**
   * The JSON a `loadJsonContent('<path>')` call in a file reads, with that path relative to the infra folder;
   * undefined when the node is not such a call.
   */
  loadedJson(file: BicepFile, node: SyntaxNode): { name: string; value: unknown } | undefined {
    if (node.type !== 'call_expression' || node.namedChildren[0]?.text !== 'loadJsonContent') return undefined;
    const argument = node.namedChildren[1]?.namedChildren[0];
    if (!argument || argument.type !== 'string') return undefined;
    const name = path.posix.normalize(path.posix.join(path.posix.dirname(file.name), unquote(argument.text)));
    return { name, value: this.json[name] };
  }

  file(name: string): BicepFile {
    const file = this.files.find((f) => f.name === name);
    if (!file) throw new Error(`no ${name}`);
    return file;
  }

  declarations(file: BicepFile): Declaration[] {
    const result: Declaration[] = [];
    for (const node of file.root.namedChildren) {
      const kind = KINDS[node.type];
      if (!kind) continue;
      const name = node.namedChildren[0]!.text;
      if (kind === 'resource') {
        const resource: ResourceDeclaration = {
          kind,
          name,
          node,
          file,
          type: unquote(node.namedChildren[1]!.text).split('@')[0]!,
          body: bodyOf(node),
          existing: node.children.some((c) => c.type === 'existing'),
          conditional: node.namedChildren.some((c) => c.type === 'if_statement'),
        };
        result.push(resource);
      } else if (kind === 'module') {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.name), unquote(node.namedChildren[1]!.text)));
        const module: ModuleDeclaration = { kind, name, node, file, target, body: bodyOf(node) };
        result.push(module);
      } else {
        result.push({ kind, name, node, file });
      }
    }
    return result;
  }

  declaration(file: BicepFile, name: string): Declaration | undefined {
    return this.declarations(file).find((d) => d.name === name);
  }

  resources(): ResourceDeclaration[] {
    return this.files.flatMap((file) => this.declarations(file).filter((d): d is ResourceDeclaration => d.kind === 'resource'));
  }

  /** Resources this stack deploys (not `existing` references) whose type is exactly `type`. */
  deployed(type: string): ResourceDeclaration[] {
    return this.resources().filter((r) => !r.existing && r.type === type);
  }

  modules(): ModuleDeclaration[] {
    return this.files.flatMap((file) => this.declarations(file).filter((d): d is ModuleDeclaration => d.kind === 'module'));
  }

  /** The default value of a parameter declaration (`param x string = <default>`), if any. */
  static parameterDefault(node: SyntaxNode): SyntaxNode | undefined {
    const [, type, value] = node.namedChildren;
    return type && value ? value : undefined;
  }

  /**
   * Where a value comes from. Follows identifiers to variables and parameters (a module parameter to the value
   * every caller passes, plus its default when the file is also deployed on its own; a parameter of main.bicep
   * to main.parameters.json, else its default) and
   * `module.outputs.x` into the module. Anything else (a literal, a resource property, a function call) is
   * where the trail ends. Several callers give several values.
   */
  resolve(file: BicepFile, node: SyntaxNode, depth = 0): Value[] {
    if (depth > 40) return [{ kind: 'unresolved', why: 'too deep' }];
    if (node.type === 'parenthesized_expression') return this.resolve(file, node.namedChildren[0]!, depth + 1);
    if (node.type === 'identifier') {
      const declaration = this.declaration(file, node.text);
      if (declaration?.kind === 'var') return this.resolve(file, declaration.node.namedChildren[1]!, depth + 1);
      if (declaration?.kind === 'param') return this.resolveParameter(file, declaration, depth);
      return [{ kind: 'node', file, node }];
    }
    if (node.type === 'member_expression') {
      const chain = memberChain(node);
      if (chain && chain.length === 3 && chain[1] === 'outputs') {
        const module = this.declaration(file, chain[0]!);
        if (module?.kind === 'module') {
          const target = this.file((module as ModuleDeclaration).target);
          const output = this.declarations(target).find((d) => d.kind === 'output' && d.name === chain[2]);
          if (!output) return [{ kind: 'unresolved', why: `${target.name} has no output ${chain[2]}` }];
          return this.resolve(target, output.node.namedChildren[2]!, depth + 1);
        }
      }
    }
    return [{ kind: 'node', file, node }];
  }

  private resolveParameter(file: BicepFile, parameter: Declaration, depth: number): Value[] {
    const callers = this.modules().filter((m) => m.target === file.name);
    const fallback = (): Value[] => {
      const defaultValue = BicepProject.parameterDefault(parameter.node);
      return defaultValue ? this.resolve(file, defaultValue, depth + 1) : [{ kind: 'unresolved', why: `param ${parameter.name} has no value` }];
    };
    if (callers.length === 0) {
      const fromJson = file.name === this.entries[0] ? this.parametersJson[parameter.name] : undefined;
      // azd substitutes ${VAR} and ${VAR=default}; a literal in the file is what every deployment gets.
      if (fromJson && !(typeof fromJson.value === 'string' && fromJson.value.includes('${'))) {
        return [{ kind: 'json', value: fromJson.value, parameter: parameter.name }];
      }
      return fallback();
    }
    const passed = callers.flatMap((caller) => {
      const value = propertyPath(caller.body, `params.${parameter.name}`);
      return value ? this.resolve(caller.file, value, depth + 1) : fallback();
    });
    // A file that is also deployed on its own gets its defaults there.
    return this.entries.includes(file.name) && BicepProject.parameterDefault(parameter.node) ? [...passed, ...fallback()] : passed;
  }

  /**
   * resolve(), then also every reference inside what it resolved to (interpolations in a string, the arguments
   * of `union(tags, {...})`, ...), so a check sees every source a value is built from.
   */
  resolveDeep(file: BicepFile, node: SyntaxNode, seen = new Set<string>()): Value[] {
    const values = this.resolve(file, node);
    const result = [...values];
    for (const value of values) {
      if (value.kind !== 'node' || value.node.type === 'identifier' || value.node.type === 'member_expression') continue;
      for (const inner of walk(value.node)) {
        if (inner.type !== 'identifier' && inner.type !== 'member_expression') continue;
        const parent = inner.parent;
        if (parent?.type === 'member_expression') continue; // only whole chains
        if ((parent?.type === 'object_property' || parent?.type === 'call_expression') && parent.namedChildren[0]?.startIndex === inner.startIndex) continue; // keys, function names
        const key = `${value.file.name}:${inner.startIndex}:${inner.endIndex}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.push(...this.resolveDeep(value.file, inner, seen));
      }
    }
    return result;
  }

  /** The resource a `symbol.something` expression starts from, if the symbol is a resource of its file. */
  resourceOf(value: Value): ResourceDeclaration | undefined {
    if (value.kind !== 'node') return undefined;
    const start = value.node.type === 'member_expression' ? memberChain(value.node)?.[0] : value.node.type === 'identifier' ? value.node.text : undefined;
    if (!start) return undefined;
    const declaration = this.declaration(value.file, start);
    return declaration?.kind === 'resource' ? (declaration as ResourceDeclaration) : undefined;
  }
}

/** `a.b.c` as ['a', 'b', 'c']; undefined when the chain does not start at a plain identifier. */
export function memberChain(node: SyntaxNode): string[] | undefined {
  if (node.type === 'identifier') return [node.text];
  if (node.type !== 'member_expression') return undefined;
  const [object, property] = node.namedChildren;
  const head = object ? memberChain(object) : undefined;
  return head && property ? [...head, property.text] : undefined;
}

/** The literal a value ends in: a JSON value, or a Bicep string/number/boolean without interpolation. */
export function literal(value: Value): string | number | boolean | undefined {
  if (value.kind === 'json') return value.value as string | number | boolean;
  if (value.kind !== 'node') return undefined;
  const node = value.node;
  if (node.type === 'boolean') return node.text === 'true';
  if (node.type === 'number') return Number(node.text);
  if (node.type === 'string' && !node.namedChildren.some((c) => c.type === 'interpolation')) return unquote(node.text).replace(/\\'/g, "'");
  return undefined;
}

/** Where a value ends, for messages. */
export function describe(value: Value): string {
  if (value.kind === 'json') return `main.parameters.json ${value.parameter}=${JSON.stringify(value.value)}`;
  if (value.kind === 'unresolved') return `unresolved (${value.why})`;
  return `${value.file.name}:${value.node.startPosition.row + 1} ${value.node.text.slice(0, 80)}`;
}
