/**
 * Helpers shared by the self-contained HTML reports of `segkit eval` and `segkit demo`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let plotlySource: string | undefined;

/** The minified plotly.js bundle, read once from the installed `plotly.js-dist-min`, safe to inline. */
export function plotlyScript(): string {
  if (plotlySource === undefined) {
    const path = createRequire(import.meta.url).resolve('plotly.js-dist-min');
    // `</script` inside the inlined code would end the element early and `<!--` would change how the HTML
    // parser reads it; inside JS strings and regular expressions `<\/script` and `\x3C!--` mean the same.
    plotlySource = readFileSync(path, 'utf8')
      .replace(/<\/script/gi, '<\\/script')
      .replace(/<!--/g, '\\x3C!--');
  }
  return plotlySource;
}

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** JSON safe inside a `<script>` element. */
export const scriptJson = (x: unknown): string => JSON.stringify(x).replace(/</g, '\\u003c');
