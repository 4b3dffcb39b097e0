/**
 * The TypeScript blocks of a Markdown file, for test/readme.test.ts: every ```ts or ```typescript fence (also
 * indented ones, inside list items), with the marker on the nearest non-blank line before it:
 *
 *   <!-- readme-test: skip (why) -->     type-checked, not run
 *   <!-- readme-test: ignore (why) -->   neither run nor type-checked
 *
 * No marker means the block runs. An unknown mode is kept as it is written, so the test can reject it.
 */
export interface Block {
  /** 1-based, in file order. */
  index: number;
  /** The line of the opening fence (1-based). */
  line: number;
  code: string;
  mode: string;
  reason: string | undefined;
}

export function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(open[1]!.length));
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous--;
    const marker =
      previous >= 0 ? /^\s*<!--\s*readme-test:\s*(\w+)\s*(?:\((.*)\))?\s*-->\s*$/.exec(lines[previous]!) : null;
    const mode = marker?.[1] ?? 'run';
    blocks.push({
      index: blocks.length + 1,
      line: start + 1,
      code: body.join('\n'),
      mode,
      reason: marker?.[2]?.trim(),
    });
  }
  return blocks;
}
