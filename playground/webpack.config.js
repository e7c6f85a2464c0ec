// The format playground (`npm run build:playground`): one folder of static files, playground/dist/,
// that any static host can serve (index.html, playground.css, playground.js).
//
// Its own config, apart from the root webpack.config.js: `npm run build` (and so `fastly compute
// build`) builds every config there, and the Wasm does not need this page.
//
// Target `web`: webpack then has no handler for `node:*` or `fastly:*` imports and fails the
// build, so the engine cannot carry a Node-only or Compute-only module into the page unnoticed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack from 'webpack';

const here = path.dirname(fileURLToPath(import.meta.url));
const STATIC_FILES = ['index.html', 'playground.css'];

/** Copies the page and its stylesheet next to the script. */
class StaticFiles {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('StaticFiles', (compilation) => {
      const stage = webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL;
      compilation.hooks.processAssets.tap({ name: 'StaticFiles', stage }, () => {
        for (const file of STATIC_FILES) {
          const source = path.join(here, file);
          compilation.fileDependencies.add(source);
          compilation.emitAsset(file, new webpack.sources.RawSource(readFileSync(source)));
        }
      });
    });
  }
}

export default {
  name: 'playground',
  context: path.join(here, '..'),
  entry: './playground/src/main.ts',
  target: ['web', 'es2022'],
  mode: 'production',
  devtool: false,
  output: {
    path: path.join(here, 'dist'),
    filename: 'playground.js',
    clean: true,
  },
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: 'ts-loader',
        exclude: /node_modules/,
        options: { transpileOnly: true, onlyCompileBundledFiles: true, configFile: path.join(here, '..', 'tsconfig.playground.json') },
      },
    ],
  },
  resolve: {
    extensions: ['.ts', '.js'],
    extensionAlias: { '.js': ['.ts', '.js'] },
  },
  plugins: [new StaticFiles()],
  performance: { hints: false },
};
