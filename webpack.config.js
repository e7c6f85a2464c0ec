// Two bundles from one source tree:
//  - bin/index.cjs: the Compute program, compiled to bin/main.wasm by js-compute-runtime.
//    `fastly:*` modules exist only inside the Wasm runtime, so they stay external, and the
//    `fastly` export condition selects @fastly/js-compute's runtime types/entry.
//  - bin/cli.cjs: the Node CLI (`render`, `check`) sharing the same format and config code.
// Type checking is `tsc --noEmit` (prebuild); ts-loader only transpiles here.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Reusable-sandbox options are fixed at build time (setReusableSandboxOptions runs during
 * build-time initialization), so they come from the build's environment. docs/configuration.md: "Build-time settings".
 */
function sandboxOptions() {
  const number = (name, fallback) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name}="${raw}" must be a non-negative integer`);
    return value;
  };
  return {
    maxRequests: number('CKL_SANDBOX_MAX_REQUESTS', 1000),
    betweenRequestTimeoutMs: number('CKL_SANDBOX_BETWEEN_REQUEST_TIMEOUT_MS', 10_000),
    sandboxTimeoutMs: number('CKL_SANDBOX_TIMEOUT_MS', 60_000),
    maxMemoryMiB: number('CKL_SANDBOX_MAX_MEMORY_MIB', 96),
  };
}

const typescript = {
  test: /\.ts$/,
  loader: 'ts-loader',
  exclude: /node_modules/,
  options: { transpileOnly: true, onlyCompileBundledFiles: true },
};

/**
 * The Compute program's re2js stays text until a pattern first needs RE2
 * (src/format/regex/re2js-deferred.ts says why: code costs CPU on every request of a reused
 * sandbox, and most services never use RE2): re2js-binding.ts becomes re2js-deferred.ts, and
 * re2js-source.ts becomes re2js's CommonJS build as a string. The `compute` and `example` bundles;
 * the package's dist/ gets the same from tools/finish-lib-build.mjs.
 */
// re2js's CommonJS build, found as Node finds it (as tools/finish-lib-build.mjs does).
const RE2JS_CJS = createRequire(import.meta.url).resolve('re2js');
const deferRe2js = [
  new webpack.NormalModuleReplacementPlugin(/[\\/]re2js-binding\.js$/, (resource) => {
    resource.request = resource.request.replace(/re2js-binding\.js$/, 're2js-deferred.js');
  }),
  new webpack.NormalModuleReplacementPlugin(/[\\/]re2js-source\.js$/, RE2JS_CJS),
];
const re2jsAsText = { test: (file) => file === RE2JS_CJS, type: 'asset/source' };

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
    module: { rules: [typescript, re2jsAsText] },
    resolve: { ...resolve, conditionNames: ['fastly', '...'] },
    externals: [/^fastly:.*$/],
    plugins: [new webpack.DefinePlugin({ SANDBOX_OPTIONS: JSON.stringify(sandboxOptions()) }), ...deferRe2js],
  },
  {
    // The embedding example (examples/embedded), compiled by its end-to-end test.
    name: 'example',
    entry: './examples/embedded/index.ts',
    target: false,
    mode: 'production',
    devtool: false,
    optimization: { minimize: false },
    output: {
      path: path.join(root, 'bin'),
      filename: 'example.cjs',
      chunkFormat: 'commonjs',
      library: { type: 'commonjs' },
    },
    module: { rules: [typescript, re2jsAsText] },
    resolve: { ...resolve, conditionNames: ['fastly', '...'] },
    externals: [/^fastly:.*$/],
    // As an app built from the installed package gets it (dist/ defers re2js too).
    plugins: deferRe2js,
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
    // createRequire calls stay calls: kinesalite is the user's dependency, loaded at run time from
    // their project (src/testing/local-kinesis.ts), never bundled.
    module: { rules: [typescript], parser: { javascript: { createRequire: false } } },
    resolve,
    plugins: [new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true })],
  },
];
