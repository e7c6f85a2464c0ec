// Two bundles from one source tree:
//  - bin/index.cjs: the Compute program, compiled to bin/main.wasm by js-compute-runtime.
//    `fastly:*` modules exist only inside the Wasm runtime, so they stay external, and the
//    `fastly` export condition selects @fastly/js-compute's runtime types/entry.
//  - bin/cli.cjs: the Node CLI (`render`, `check`) sharing the same format and config code.
// Type checking is `tsc --noEmit` (prebuild); ts-loader only transpiles here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

const typescript = {
  test: /\.ts$/,
  loader: 'ts-loader',
  exclude: /node_modules/,
  options: { transpileOnly: true, onlyCompileBundledFiles: true },
};

const resolve = {
  extensions: ['.ts', '.js'],
  extensionAlias: { '.js': ['.ts', '.js'] },
};

export default [
  {
    name: 'compute',
    entry: './src/index.ts',
    target: false,
    mode: 'production',
    devtool: false,
    optimization: { minimize: false },
    output: {
      path: path.join(root, 'bin'),
      filename: 'index.cjs',
      chunkFormat: 'commonjs',
      library: { type: 'commonjs' },
    },
    module: { rules: [typescript] },
    resolve: { ...resolve, conditionNames: ['fastly', '...'] },
    externals: [/^fastly:.*$/],
  },
  {
    name: 'cli',
    entry: './src/cli/main.ts',
    target: 'node20',
    mode: 'production',
    devtool: false,
    optimization: { minimize: false },
    output: {
      path: path.join(root, 'bin'),
      filename: 'cli.cjs',
      library: { type: 'commonjs' },
    },
    module: { rules: [typescript] },
    resolve,
    plugins: [new (await import('webpack')).default.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true })],
  },
];
