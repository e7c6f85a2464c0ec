/**
 * re2js's CommonJS build as text: webpack.config.js gives it to the `compute` bundle
 * (`asset/source`) for re2js-deferred.ts. No other build resolves this name.
 */
declare module 're2js-source' {
  const source: string;
  export default source;
}
