// Parse a Mermaid diagram (optionally inside a ```mermaid fence) with mermaid's own parser.
// Usage: node check.mjs FILE  — exit 0 when it parses, 1 with the parser's message otherwise.
import fs from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let text = fs.readFileSync(process.argv[2], 'utf8');
const fenced = text.match(/^```mermaid\n([\s\S]*?)```\s*$/);
if (text.includes('```') && !fenced) {
  console.error('invalid: a ``` fence is present but is not one ```mermaid block');
  process.exit(1);
}
if (fenced) text = fenced[1];
try {
  const r = await mermaid.parse(text);
  console.log(`ok ${r.diagramType}`);
} catch (e) {
  console.error(`invalid: ${e.message}`);
  process.exit(1);
}
