/**
 * The structure of a PCRE pattern, recorded by the translator (pcre.ts) while it parses.
 *
 * Owns: the tree shapes (sequence, alternation, group, repetition, one-character atom, assertion,
 * back-reference), each with its span in the pattern, and the builder the translator drives.
 * Does not own: PCRE syntax (pcre.ts parses and calls the builder) or what is checked on the tree
 * (backrefs.ts rejects back-references JS would read differently).
 *
 * Depth: pcre.ts rejects parentheses nested deeper than PCRE's own limit and a quantifier that
 * follows a quantifier, so the tree is at most a few hundred levels deep and the checks may
 * recurse over it.
 */

/** `start`/`end`: the span in the pattern (UTF-16 offsets, end exclusive). */
interface Span {
  readonly start: number;
  end: number;
}

export interface SeqShape extends Span {
  readonly kind: 'seq';
  readonly items: Shape[];
}

export interface AltShape extends Span {
  readonly kind: 'alt';
  readonly branches: readonly SeqShape[];
}

export type GroupMode = 'plain' | 'atomic' | 'lookahead' | 'negative-lookahead' | 'lookbehind' | 'negative-lookbehind';

export interface GroupShape extends Span {
  readonly kind: 'group';
  readonly mode: GroupMode;
  /** PCRE group number of a capturing group. */
  readonly capture?: number;
  readonly name?: string;
  readonly body: SeqShape | AltShape;
}

export interface RepeatShape extends Span {
  readonly kind: 'repeat';
  readonly body: Shape;
  readonly min: number;
  /** Infinity when unbounded. */
  readonly max: number;
}

/** An atom that consumes one character (`\R` may take two). */
export interface CharShape extends Span {
  readonly kind: 'char';
  /** The atom as JS regex text (a class, an escape or a literal), to test characters against. */
  readonly js: string;
}

/** A zero-width assertion: `^ $ \b \B \A \z \Z`. */
export interface AssertShape extends Span {
  readonly kind: 'assert';
}

/** A back-reference to a group by PCRE number or by name. */
export interface RefShape extends Span {
  readonly kind: 'ref';
  readonly group: number | string;
}

export type Shape = SeqShape | AltShape | GroupShape | RepeatShape | CharShape | AssertShape | RefShape;

interface Frame {
  readonly open?: { readonly start: number; readonly mode: GroupMode; readonly capture?: number; readonly name?: string };
  readonly branches: SeqShape[];
  seq: SeqShape;
}

const seqAt = (start: number): SeqShape => ({ kind: 'seq', items: [], start, end: start });

export class ShapeBuilder {
  private readonly frames: Frame[] = [{ branches: [], seq: seqAt(0) }];

  private get top(): Frame {
    return this.frames[this.frames.length - 1];
  }

  char(start: number, end: number, js: string): void {
    this.top.seq.items.push({ kind: 'char', start, end, js });
  }

  assertion(start: number, end: number): void {
    this.top.seq.items.push({ kind: 'assert', start, end });
  }

  reference(start: number, end: number, group: number | string): void {
    this.top.seq.items.push({ kind: 'ref', group, start, end });
  }

  /** `(` of any kind at `start`; its body starts at `bodyStart` (after `(?:`, `(?<name>`, …). */
  open(start: number, bodyStart: number, mode: GroupMode, capture?: number, name?: string): void {
    this.frames.push({ open: { start, mode, capture, name }, branches: [], seq: seqAt(bodyStart) });
  }

  /** `|` at `at`. */
  bar(at: number): void {
    const frame = this.top;
    frame.seq.end = at;
    frame.branches.push(frame.seq);
    frame.seq = seqAt(at + 1);
  }

  /** `)` ending at `end`. */
  close(end: number): void {
    const frame = this.frames.pop() as Frame;
    const open = frame.open as NonNullable<Frame['open']>;
    const group: GroupShape = { kind: 'group', ...open, body: body(frame, end - 1), end };
    this.top.seq.items.push(group);
  }

  /** A quantifier ending at `end`, applied to the last atom; returns the repetition. */
  quantify(min: number, max: number, end: number): RepeatShape {
    const items = this.top.seq.items;
    const atom = items.pop() as Shape;
    const repeat: RepeatShape = { kind: 'repeat', body: atom, min, max, start: atom.start, end };
    items.push(repeat);
    return repeat;
  }

  /** The whole pattern, which ends at `end`. */
  finish(end: number): SeqShape | AltShape {
    return body(this.frames[0], end);
  }
}

function body(frame: Frame, end: number): SeqShape | AltShape {
  frame.seq.end = end;
  if (frame.branches.length === 0) return frame.seq;
  const branches = [...frame.branches, frame.seq];
  return { kind: 'alt', branches, start: branches[0].start, end };
}

/** The children of a shape, in pattern order. */
export function childrenOf(shape: Shape): readonly Shape[] {
  switch (shape.kind) {
    case 'seq':
      return shape.items;
    case 'alt':
      return shape.branches;
    case 'group':
    case 'repeat':
      return [shape.body];
    default:
      return [];
  }
}
