// The docs stay usable: the README is a user's guide of at most 200 lines without lab-notebook
// timestamps (measurements and their dates belong in docs/benchmarks.md), and every relative link
// or image in README.md, docs/*.md and vendor/README.md points to a file that exists and, for
// `file.md#anchor`, to a heading in it. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAX_README_LINES = 200;

/** The markdown without fenced code blocks and inline code spans, where `[x](y)` is not a link. */
function withoutCode(markdown) {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The targets of `[text](target)` and `![alt](target)` links, titles dropped. */
export function linkTargets(markdown) {
  const targets = [];
  // [text](target), ![alt](target), [text](<target> "title"); the text may hold one level of brackets.
  const link = /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  for (const m of withoutCode(markdown).matchAll(link)) targets.push(m[1]);
  return targets;
}

/** GitHub's anchors for a file's headings: lower case, punctuation dropped, spaces to '-', repeats numbered. */
export function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  for (const m of withoutCode(markdown.replace(/`([^`\n]*)`/g, '$1')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The broken relative links of one markdown file, as readable lines. */
export function brokenLinks(file, markdown = readFileSync(file, 'utf8')) {
  const broken = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
    const [path, anchor] = target.split('#');
    const resolved = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
    if (!existsSync(resolved)) {
      broken.push(`${target}: no such file`);
    } else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md')) {
      if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${target}: no heading #${anchor}`);
    }
  }
  return broken;
}

const docs = [
  join(ROOT, 'README.md'),
  join(ROOT, 'vendor', 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];

test(`README.md has at most ${MAX_README_LINES} lines`, () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
  assert.ok(lines <= MAX_README_LINES, `README.md has ${lines} lines; move the detail to docs/`);
});

test('README.md has no dated measurements (they belong in docs/benchmarks.md)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const month = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\\.?';
  const dated = readme
    .split('\n')
    .filter((line) =>
      new RegExp(`\\b${month} \\d{1,2},? \\d{4}\\b|\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}:\\d{2} UTC\\b`).test(line),
    );
  assert.deepEqual(dated, []);
});

for (const file of docs) {
  test(`relative links in ${relative(ROOT, file)} point to existing files and headings`, () => {
    assert.deepEqual(brokenLinks(file), []);
  });
}

test('the link check finds a missing file, a missing heading, and skips code and URLs', () => {
  const file = join(ROOT, 'README.md');
  const sample = [
    '# A title',
    '## Using `the` page!',
    '',
    '[ok](docs/results.md) [web](https://example.com/x) ![img](docs/screenshot.png) [here](#using-the-page)',
    '[gone](docs/no-such-file.md) [bad anchor](#no-such-heading) `[code](nope.md)`',
    '```',
    '[fenced](nope.md)',
    '```',
  ].join('\n');
  assert.deepEqual(brokenLinks(file, sample), [
    'docs/no-such-file.md: no such file',
    '#no-such-heading: no heading #no-such-heading',
  ]);
});
