/** Reading a documentation page's code blocks by heading (test/support/doc-steps.ts), which the packed-tarball e2e follows. */
import { describe, expect, it } from 'vitest';
import { codeBlocksUnder, shellCommands } from '../../support/doc-steps.js';

const PAGE = `# The library

Intro.

\`\`\`sh
npm run not-in-the-section
\`\`\`

## Add it to your Compute app

Install:

\`\`\`sh
npm install compute-kinesis-logger   # the package
\`\`\`

\`\`\`ts
const a = 1;
// # not a heading
\`\`\`

### A sub-section stays in

~~~toml title="fastly.toml"
[local_server]
\`\`\`
still toml
~~~

   \`\`\`sh
   indented fence
     keeps deeper indentation
   \`\`\`

## Next section

\`\`\`ts
const outside = true;
\`\`\`
`;

describe('codeBlocksUnder', () => {
  it("returns the section's fenced blocks in order with their language, to the next heading of the same level", () => {
    expect(codeBlocksUnder(PAGE, 'Add it to your Compute app')).toEqual([
      { lang: 'sh', text: 'npm install compute-kinesis-logger   # the package\n', line: 13 },
      { lang: 'ts', text: 'const a = 1;\n// # not a heading\n', line: 17 },
      { lang: 'toml', text: '[local_server]\n```\nstill toml\n', line: 24 },
      { lang: 'sh', text: 'indented fence\n  keeps deeper indentation\n', line: 30 },
    ]);
  });

  it('reads a top-level section through its sub-sections, and a later one on its own', () => {
    expect(codeBlocksUnder(PAGE, 'The library').map((b) => b.lang)).toEqual(['sh', 'sh', 'ts', 'toml', 'sh', 'ts']);
    expect(codeBlocksUnder(PAGE, 'Next section')).toEqual([{ lang: 'ts', text: 'const outside = true;\n', line: 37 }]);
  });

  it('names a heading that is not there', () => {
    expect(() => codeBlocksUnder(PAGE, 'Add it to your app')).toThrow('no heading "Add it to your app"');
  });
});

describe('shellCommands', () => {
  it('drops comments and blank lines, keeps # inside words, joins continued lines', () => {
    expect(shellCommands(['# first\nnpm install x   # why\n\ncurl http://h/a#frag\n', 'fastly compute serve \\\n  --addr 127.0.0.1:1\n'])).toEqual([
      'npm install x',
      'curl http://h/a#frag',
      'fastly compute serve   --addr 127.0.0.1:1',
    ]);
  });
});
