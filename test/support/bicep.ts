/**
 * Offline Bicep parsing with tree-sitter-bicep (the Bicep compiler cannot be downloaded here), and small
 * helpers over the syntax tree for structure checks.
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
  hasError: boolean;
  isMissing: boolean;
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
  path: string;
  text: string;
  root: SyntaxNode;
}

export function parseBicep(file: string): BicepFile {
  const text = readFileSync(file, 'utf8');
  return { path: file, text, root: parser.parse(text).rootNode };
}

export function bicepFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...bicepFiles(full));
    else if (entry.name.endsWith('.bicep')) files.push(full);
  }
  return files.sort();
}

export function* walk(node: SyntaxNode): Generator<SyntaxNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

export function errors(root: SyntaxNode): SyntaxNode[] {
  return [...walk(root)].filter((n) => n.type === 'ERROR' || n.isMissing);
}

export interface ResourceDeclaration {
  symbol: string;
  type: string;
  body: SyntaxNode;
  node: SyntaxNode;
  /** A reference to a resource deployed elsewhere (`existing`), not a declaration of one. */
  existing: boolean;
}

export function resources(root: SyntaxNode): ResourceDeclaration[] {
  return root.namedChildren
    .filter((n) => n.type === 'resource_declaration')
    .map((node) => {
      const [symbol, type] = node.namedChildren;
      const body = [...walk(node)].find((n) => n.type === 'object')!;
      return { symbol: symbol!.text, type: type!.text.replace(/^'|'$/g, ''), body, node, existing: /^resource\s+\w+\s+'[^']+'\s+existing\b/.test(node.text) };
    });
}

/** The value node of `key:` directly inside an object. */
export function property(object: SyntaxNode, key: string): SyntaxNode | undefined {
  for (const child of object.namedChildren) {
    if (child.type === 'object_property' && child.namedChildren[0]?.text === key) return child.namedChildren[1];
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

export function declarations(root: SyntaxNode, type: 'parameter_declaration' | 'output_declaration' | 'variable_declaration'): SyntaxNode[] {
  return root.namedChildren.filter((n) => n.type === type);
}
