/**
 * How the spam filter's featurizer reads a message (see tokenize.ts): a text
 * that starts like an e-mail has a head, whose Subject counts, and a body;
 * any other text is all body. The body is freed of what mail transport does
 * to it, and marked for HTML, exclamations, money and shouting.
 */

const HEADER_LINE = /^(?:From |[A-Za-z][\w-]*:)/;
/** Longer letter/digit runs (hashes, base64 that slipped through, URLs glued together) are not words. */
export const MAX_WORD_LENGTH = 25;

export interface Message {
  subject: string;
  body: string;
}

/**
 * The length of the head of a text that starts like an e-mail (up to its
 * first blank line, or all of it), or -1 for a text that does not: then it
 * is all body. The body starts where the head ends.
 */
export function headLength(text: string): number {
  if (!HEADER_LINE.test(text)) return -1;
  const end = blankLineAt(text);
  return end === -1 ? text.length : end;
}

/**
 * Where `/\r?\n\r?\n/` first matches in `text`, or -1, found with
 * `indexOf` (0.4 against 0.7 µs on the bench e-mail): a match starts at the first `\n`
 * that `\r?\n` follows, or at the `\r` just before it, since a match that
 * starts with `\r` has that `\n` right after it.
 */
export function blankLineAt(text: string): number {
  for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', lf + 1)) {
    const next = text.charCodeAt(lf + 1);
    if (next === LF || (next === CR && text.charCodeAt(lf + 2) === LF)) return lf > 0 && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
  }
  return -1;
}

const LF = 0x0a;
const CR = 0x0d;

export function splitMessage(text: string): Message {
  const end = headLength(text);
  if (end === -1) return { subject: '', body: text };
  const head = text.slice(0, end);
  // Unfold continuation lines before looking for the Subject.
  const subject = /^subject:(.*)$/im.exec(head.replace(/\r?\n[ \t]+/g, ' '));
  return { subject: subject?.[1] ?? '', body: text.slice(end) };
}

const BASE64_LINE = /^[A-Za-z0-9+/]{40,}={0,2}\r?$/gm;
export const BASE64_RUN = 40;

/** Whether `text` has BASE64_RUN base64 characters in a row, which any BASE64_LINE match has: a scan costs less than the regex. */
function hasBase64Run(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const base64 = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    run = base64 ? run + 1 : 0;
    if (run === BASE64_RUN) return true;
  }
  return false;
}

/** Undoes what mail transport does to a body, so that words are words again. Each pass is skipped when it cannot match. */
export function cleanBody(body: string): string {
  let out = body;
  if (out.includes('=')) {
    // quoted-printable soft line breaks and escaped bytes
    out = out.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  // base64 lines carry no words worth learning
  if (hasBase64Run(out)) out = out.replace(BASE64_LINE, ' ');
  if (out.includes('&')) out = out.replace(/&nbsp;|&#160;/gi, ' ');
  return out;
}

/** What the meta marks are made of: counts and findings over a cleaned body. */
export interface BodyMarks {
  /** Matches of `/<\/?[a-z][^>]*>/gi`. */
  tags: number;
  /** Whether `/!{2,}/` matches. */
  bangs: boolean;
  /** Whether `/[$€£]\s?\d/` matches. */
  money: boolean;
  /** Matches of `/\b[A-Z]{3,}\b/g`. */
  shouted: number;
}

/** The `meta:` tokens of a body, in this fixed order. */
export function metaMarks({ tags, bangs, money, shouted }: BodyMarks): string[] {
  const marks: string[] = [];
  if (tags > 0) marks.push('meta:html');
  if (tags > 20) marks.push('meta:html-heavy');
  if (bangs) marks.push('meta:bangs');
  if (money) marks.push('meta:money');
  if (shouted >= 2) marks.push('meta:shouting');
  if (shouted >= 10) marks.push('meta:shouting-lots');
  return marks;
}

/** The meta tokens of a cleaned body, by the regular expressions that define them. */
export function metaTokens(body: string): string[] {
  return metaMarks({
    tags: body.match(/<\/?[a-z][^>]*>/gi)?.length ?? 0,
    bangs: /!{2,}/.test(body),
    money: /[$€£]\s?\d/.test(body),
    shouted: body.match(/\b[A-Z]{3,}\b/g)?.length ?? 0,
  });
}
