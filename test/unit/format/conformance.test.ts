/**
 * Conformance suite: every row of test/fixtures/format-cases.ts, rendered through the same path
 * the preview CLI uses (VCL-named facts → RequestFacts → compiled format).
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import { compileCondition, compileFormat, FormatError } from '../../../src/format/index.js';
import {
  BASE_FACTS,
  CONDITION_CASES,
  CONDITION_ERROR_CASES,
  ERROR_CASES,
  RENDER_CASES,
  type VclFacts,
} from '../../fixtures/format-cases.js';

function factsFor(overrides: VclFacts = {}) {
  return factsFromVclJson({ ...BASE_FACTS, ...overrides });
}

function formatErrorOf(compile: () => unknown): FormatError {
  try {
    compile();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

describe('format conformance: rendering', () => {
  it('has at least 150 render cases', () => {
    expect(RENDER_CASES.length).toBeGreaterThanOrEqual(150);
  });

  it.each(RENDER_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const line = compileFormat(c.format).render(factsFor(c.facts));
    if (typeof c.expected === 'string') expect(line).toBe(c.expected);
    else expect(line).toMatch(c.expected);
    expect(line).not.toMatch(/[\r\n]/);
  });
});

describe('format conformance: errors', () => {
  it.each(ERROR_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const error = formatErrorOf(() => compileFormat(c.format));
    expect(error.message).toBe(c.message);
    const [, line, column] = /at line (\d+), column (\d+)\n/.exec(c.message) ?? [];
    expect(error.line).toBe(Number(line));
    expect(error.column).toBe(Number(column));
    expect(error.caret.split('\n')).toHaveLength(2);
  });
});

describe('response conditions', () => {
  it.each(CONDITION_CASES.map((c) => [`${JSON.stringify(c.condition)} with ${JSON.stringify(c.facts ?? {})}`, c] as const))(
    '%s',
    (_name, c) => {
      const condition = compileCondition(c.condition);
      expect(condition.source).toBe(c.condition);
      expect(condition.test(factsFor(c.facts))).toBe(c.expected);
    },
  );

  it.each(CONDITION_ERROR_CASES.map((c) => [c.name, c] as const))('error: %s', (_name, c) => {
    expect(formatErrorOf(() => compileCondition(c.format)).message).toBe(c.message);
  });
});
