/**
 * The playground page: wires index.html's elements to the engine (evaluate.ts).
 *
 * Owns: the DOM. Each edit of the format or of a fact renders again at once, and rewrites the
 * URL hash (replaceState, so typing leaves no trail in the history); opening a link, or editing
 * the hash by hand, loads its state. The rendered line is the text of `#line`; a format that
 * does not compile shows in `#error`, with the engine's message and caret, and is marked in the
 * editor.
 * Does not own: any rule of the format language, the facts or the JSON check (evaluate.ts and
 * the engine behind it), nor the hash's encoding (url-state.ts).
 */
import { evaluate, type Evaluation, type LineSize, type Problem } from './evaluate.js';
import { factsFromRows, rowsFromFacts, type FactRow, type FactValue } from './fact-text.js';
import { functionSignatures } from './function-list.js';
import { DEFAULT_FACTS, DEFAULT_FORMAT, FACT_NAMES, FACTS_PRESETS, FORMAT_PRESETS } from './presets.js';
import { readHash, writeHash } from './url-state.js';

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`playground: index.html has no #${id}`);
  return element as T;
};

const formatInput = byId<HTMLTextAreaElement>('format');
const backdrop = byId('format-backdrop');
const errorBox = byId('error');
const lineBox = byId('line');
const jsonItem = byId('json');
const sizeItem = byId('size');
const notOnComputeItem = byId('not-on-compute');
const warningsBox = byId('warnings');
const partErrorsBox = byId('part-errors');
const factsBody = byId('facts');
const factsErrorBox = byId('facts-error');
const factNotesList = byId('fact-notes');
const linkProblemsBox = byId('link-problems');

let rows: FactRow[] = [];
/** The hash this page last wrote, to tell its own writes from a link opened or edited by hand. */
let writtenHash = '';

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = Object.assign(document.createElement(tag), props);
  element.append(...children);
  return element;
}

// ---- state in, state out

function loadHash(hash: string): void {
  const state = readHash(hash);
  formatInput.value = state.format ?? DEFAULT_FORMAT;
  setRows(rowsFromFacts(state.facts ?? DEFAULT_FACTS));
  linkProblemsBox.hidden = state.problems.length === 0;
  linkProblemsBox.replaceChildren(...state.problems.map((p) => h('p', {}, `This link could not be read entirely: ${p}.`)));
  writtenHash = hash;
  render();
}

/** Renders, then records the state in the hash (facts only when they are not the default). */
function edited(): void {
  const facts = render();
  const isDefault = JSON.stringify(facts) === JSON.stringify(DEFAULT_FACTS);
  writtenHash = writeHash(formatInput.value, isDefault ? undefined : facts);
  history.replaceState(null, '', writtenHash);
}

function render(): Record<string, FactValue> {
  const { facts, duplicates } = factsFromRows(rows);
  const result = evaluate(formatInput.value, facts);
  showFormat(result);
  showLine(result);
  showChecks(result);
  showFacts(result, duplicates);
  return facts;
}

// ---- the format and its problems

function showFormat(result: Evaluation): void {
  const error = result.formatError;
  errorBox.hidden = error === null;
  formatInput.setAttribute('aria-invalid', String(error !== null));
  if (error) {
    const jump = h('button', { type: 'button', textContent: 'Show me where' });
    jump.addEventListener('click', () => selectInFormat(error.offset));
    errorBox.replaceChildren(h('p', {}, h('strong', {}, 'The format does not compile. '), jump), h('pre', {}, error.message));
  } else errorBox.replaceChildren();
  const marks = [...(error ? [{ offset: error.offset, kind: 'error' }] : []), ...result.warnings.map((w) => ({ offset: w.offset, kind: 'warning' }))];
  paintBackdrop(formatInput.value, marks);
  fitEditor();
}

function selectInFormat(offset: number): void {
  formatInput.focus();
  formatInput.setSelectionRange(offset, Math.min(offset + 1, formatInput.value.length));
}

/** The editor's text again, behind the transparent textarea, with the problems marked. */
function paintBackdrop(text: string, marks: { offset: number; kind: string }[]): void {
  const nodes: (Node | string)[] = [];
  let at = 0;
  let marked = -1;
  for (const mark of [...marks].sort((a, b) => a.offset - b.offset)) {
    // One mark per position (the error sorts before a warning at the same place).
    if (mark.offset < at || mark.offset === marked) continue;
    marked = mark.offset;
    nodes.push(text.slice(at, mark.offset));
    const char = text.codePointAt(mark.offset);
    // A newline or the end of the text gets a marked space, so the mark is visible there.
    const shown = char === undefined || char === 10 || char === 13 ? ' ' : String.fromCodePoint(char);
    nodes.push(h('mark', { className: mark.kind }, shown));
    at = shown === ' ' && char !== 32 ? mark.offset : mark.offset + shown.length;
  }
  // A textarea shows a final newline as an empty line, a div does not: one more newline keeps them alike.
  nodes.push(text.slice(at), '\n');
  backdrop.replaceChildren(...nodes);
}

function fitEditor(): void {
  formatInput.style.height = 'auto';
  formatInput.style.height = `${formatInput.scrollHeight + 2}px`;
}

// ---- the line and what is known about it

function showLine(result: Evaluation): void {
  const { line } = result;
  lineBox.dataset.state = line === null ? 'none' : 'rendered';
  const fault = result.json?.problem?.offset;
  if (line === null) lineBox.replaceChildren();
  else if (fault === undefined) lineBox.replaceChildren(line);
  else {
    // Where the line stops being JSON; the marked text is still part of the line's text.
    const char = line.codePointAt(fault);
    const marked = char === undefined ? '' : String.fromCodePoint(char);
    lineBox.replaceChildren(line.slice(0, fault), h('mark', { className: marked ? 'json-fault' : 'json-fault at-end', title: 'The line stops being JSON here' }, marked), line.slice(fault + marked.length));
  }
}

function showChecks(result: Evaluation): void {
  jsonItem.hidden = result.json === null;
  if (result.json) {
    const problem = result.json.problem;
    jsonItem.className = problem ? 'bad' : 'good';
    jsonItem.replaceChildren(...(problem ? ['JSON: the line is not JSON (marked in the line).', h('pre', {}, problem.message)] : ['JSON: the line parses as JSON.']));
  }
  sizeItem.hidden = result.size === null;
  if (result.size) showSize(result.size);
  notOnComputeItem.hidden = result.notOnCompute.length === 0;
  notOnComputeItem.className = 'warn';
  notOnComputeItem.replaceChildren(
    'Not set on Compute (always read as not set here): ',
    ...result.notOnCompute.flatMap((name, i) => [i > 0 ? ', ' : '', h('code', {}, name)]),
  );
  showProblems(warningsBox, 'Warnings (what compute-kinesis-logger check says)', result.warnings);
  showProblems(partErrorsBox, 'Parts that failed (they render empty, as on Fastly)', result.partErrors);
}

function showSize(size: LineSize): void {
  const over = size.bytes > size.defaultLimitBytes;
  const units = Math.max(1, Math.ceil(size.bytes / size.payloadUnitBytes));
  sizeItem.className = over ? 'bad' : 'good';
  sizeItem.textContent =
    `Size: ${size.bytes.toLocaleString('en')} bytes (UTF-8) of a ${mib(size.defaultLimitBytes)} record ` +
    `(Kinesis' default; up to ${mib(size.largestLimitBytes)} when the stream allows)` +
    (over ? ': larger than the default max_record_bytes, so the oversize setting truncates it (the default) or drops it. ' : '. ') +
    `Kinesis bills it as ${units} payload unit${units === 1 ? '' : 's'} of ${size.payloadUnitBytes / 1024} KiB.`;
}

const mib = (bytes: number): string => `${bytes / (1024 * 1024)} MiB`;

function showProblems(box: HTMLElement, title: string, problems: readonly Problem[]): void {
  box.hidden = problems.length === 0;
  box.replaceChildren(...(problems.length ? [h('h3', {}, title), ...problems.map((p) => h('pre', {}, p.message))] : []));
}

// ---- facts

function setRows(next: FactRow[]): void {
  rows = next;
  factsBody.replaceChildren(...rows.map((row, i) => factRow(row, i)));
}

function factRow(row: FactRow, index: number): HTMLTableRowElement {
  const name = h('input', { type: 'text', value: row.name, spellcheck: false, autocomplete: 'off' });
  name.setAttribute('list', 'fact-names');
  name.setAttribute('aria-label', `Variable ${index + 1}`);
  const value = h('input', { type: 'text', value: row.text, spellcheck: false, autocomplete: 'off' });
  const labelValue = (): void => value.setAttribute('aria-label', `Value of ${row.name || `variable ${index + 1}`}`);
  labelValue();
  const remove = h('button', { type: 'button', textContent: '✕', title: 'Remove' });
  remove.setAttribute('aria-label', `Remove ${row.name || `variable ${index + 1}`}`);
  name.addEventListener('input', () => {
    row.name = name.value;
    labelValue();
    remove.setAttribute('aria-label', `Remove ${row.name || `variable ${index + 1}`}`);
    edited();
  });
  value.addEventListener('input', () => {
    row.text = value.value;
    edited();
  });
  remove.addEventListener('click', () => {
    rows.splice(index, 1);
    setRows(rows);
    edited();
    const next = factsBody.querySelectorAll('button')[Math.min(index, rows.length - 1)];
    (next ?? byId('add-fact')).focus();
  });
  return h('tr', {}, h('td', {}, name), h('td', {}, value), h('td', {}, remove));
}

function showFacts(result: Evaluation, duplicates: readonly string[]): void {
  factsErrorBox.hidden = result.factsError === null;
  factsErrorBox.replaceChildren(...(result.factsError ? [h('p', {}, h('strong', {}, 'These facts cannot be used: '), result.factsError)] : []));
  const notes = [...duplicates.map((name) => `${name} appears more than once: the last row counts`), ...result.factNotes];
  factNotesList.hidden = notes.length === 0;
  factNotesList.replaceChildren(...notes.map((note) => h('li', {}, note)));
}

// ---- one-time setup

function setUp(): void {
  byId('format-presets').append(
    ...FORMAT_PRESETS.map((preset) => {
      const button = h('button', { type: 'button', textContent: preset.label });
      button.addEventListener('click', () => {
        formatInput.value = preset.format;
        edited();
      });
      return button;
    }),
  );
  byId('facts-presets').append(
    ...FACTS_PRESETS.map((preset) => {
      const button = h('button', { type: 'button', textContent: preset.label });
      button.addEventListener('click', () => {
        setRows(rowsFromFacts(preset.facts));
        edited();
      });
      return button;
    }),
  );
  byId('fact-names').append(...FACT_NAMES.map((name) => h('option', { value: name })));
  byId('add-fact').addEventListener('click', () => {
    rows.push({ name: '', text: '' });
    setRows(rows);
    factsBody.querySelector<HTMLInputElement>('tr:last-child input')?.focus();
  });

  const functions = functionSignatures();
  byId('functions-summary').textContent = `The ${functions.length} functions this engine knows`;
  const items = functions.map((f) => h('li', {}, h('code', {}, f.signature)));
  byId('functions').append(...items);
  const filter = byId<HTMLInputElement>('function-filter');
  filter.addEventListener('input', () => {
    const wanted = filter.value.trim().toLowerCase();
    functions.forEach((f, i) => {
      items[i].hidden = wanted !== '' && !f.signature.toLowerCase().includes(wanted);
    });
  });

  const copy = byId<HTMLButtonElement>('copy-line');
  copy.addEventListener('click', () => {
    // No clipboard outside a secure context (a page served over plain HTTP from another host): select the line instead.
    (navigator.clipboard?.writeText(lineBox.textContent ?? '') ?? Promise.reject(new Error('no clipboard'))).then(
      () => (copy.textContent = 'Copied'),
      () => getSelection()?.selectAllChildren(lineBox),
    );
    setTimeout(() => (copy.textContent = 'Copy line'), 1500);
  });

  formatInput.addEventListener('input', edited);
  window.addEventListener('hashchange', () => {
    if (location.hash !== writtenHash) loadHash(location.hash);
  });
  window.addEventListener('resize', fitEditor);
  loadHash(location.hash);
}

setUp();
