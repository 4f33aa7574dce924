import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The block tags src/ documents with. TypeScript, and so jsii, reads `@word` after a space anywhere in a doc comment
 * as a tag, inside a code span too, and cuts the text there: `DELETE @connections/{id}` loses all from the `@`.
 * TSDoc's lint (tsdoc/syntax) accepts that code span, so this catches what it misses.
 */
const TAGS = new Set(['param', 'returns', 'default', 'example', 'deprecated', 'see']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith('.ts') ? [file] : [];
  });
}

function unknownTags(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    for (const tag of ts.getJSDocTags(node)) {
      if (!TAGS.has(tag.tagName.text)) {
        found.push(`${path.relative(process.cwd(), file)}:${source.getLineAndCharacterOfPosition(tag.pos).line + 1}: @${tag.tagName.text}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('every tag in src/\'s doc comments is one it documents with: no text cut off by a stray `@word`', () => {
  // WHEN
  const unknown = sourceFiles(path.join(__dirname, '../../src')).flatMap(unknownTags);

  // THEN
  expect(unknown).toEqual([]);
});
