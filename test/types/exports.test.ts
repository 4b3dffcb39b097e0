/**
 * Every type a public signature names is itself exported (as api-extractor's "forgotten export" check):
 * a user can then write the type of what they pass or get (SaveOptions for net.save's options, say)
 * without reaching into dist/. Walks the TypeScript program from the package's entry points: each
 * exported declaration's type references, the public members of exported classes and interfaces, and
 * reports the named types declared in lib/ that no entry point exports.
 */
import * as path from 'node:path';

import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const ENTRIES = ['lib/index.ts', 'lib/queue/index.ts'].map((file) => path.join(ROOT, file));

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

function isHidden(node: ts.Node): boolean {
  const modifiers = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
  return (
    isInternal(node) ||
    modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword) ||
    (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) ? ts.isPrivateIdentifier(node.name) : false)
  );
}

test('no public signature names a type the package does not export', () => {
  const program = ts.createProgram(ENTRIES, { strict: true, noEmit: true, types: ['node'], skipLibCheck: true });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol): ts.Symbol =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

  const exported = new Set<ts.Symbol>();
  for (const entry of ENTRIES) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const symbol of checker.getExportsOfModule(module)) exported.add(resolve(symbol));
  }

  const missing = new Map<string, Set<string>>();
  const visit = (node: ts.Node, owner: string): void => {
    if (isHidden(node)) return;
    // A function's body is no part of its signature.
    if ((ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) && 'body' in node && node.body) {
      ts.forEachChild(node, (child) => {
        if (child !== node.body) visit(child, owner);
      });
      return;
    }
    if (ts.isPropertyDeclaration(node) && node.initializer && !node.type) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const symbol = checker.getSymbolAtLocation(name);
      const target = symbol && resolve(symbol);
      const declaration = target?.declarations?.[0];
      const file = declaration?.getSourceFile().fileName ?? '';
      const isTypeParameter = declaration !== undefined && ts.isTypeParameterDeclaration(declaration);
      if (target && !isTypeParameter && file.startsWith(path.join(ROOT, 'lib')) && !exported.has(target)) {
        const where = `${path.relative(ROOT, file)}: ${target.name}`;
        if (!missing.has(where)) missing.set(where, new Set());
        missing.get(where)!.add(owner);
      }
    }
    ts.forEachChild(node, (child) => visit(child, owner));
  };

  for (const symbol of exported) {
    for (const declaration of symbol.declarations ?? []) {
      const file = declaration.getSourceFile().fileName;
      if (!file.startsWith(path.join(ROOT, 'lib')) || ts.isSourceFile(declaration)) continue;
      // Namespace re-exports (`export * as schedules`) are walked through their own exports.
      if (ts.isNamespaceExport(declaration) || ts.isModuleDeclaration(declaration)) continue;
      visit(declaration, symbol.name);
    }
  }
  const report = [...missing].map(([type, owners]) => `${type} (used by ${[...owners].join(', ')})`).sort();
  expect(report).toEqual([]);
}, 120000);
