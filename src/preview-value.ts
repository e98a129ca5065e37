/**
 * A short rendering of a value a caller sent, for "…, got X" in an error
 * message: JSON-like, cut at a few dozen characters. It never serialises the
 * whole value (a caller's value may be megabytes long or thousands of levels
 * deep), so it costs what it prints, and its recursion is bounded by it.
 */

/**
 * @example
 * previewValue([1, 2, 'three']) // '[1,2,"three"]'
 * previewValue('x'.repeat(1e6)) // '"xxxxxxxx…xxx"...' (at most maxChars + 3)
 */
export function previewValue(value: unknown, maxChars = 40): string {
  const out = { text: '', room: maxChars };
  write(value, out);
  return out.room < 0 ? `${out.text.slice(0, maxChars)}...` : out.text;
}

interface Out {
  text: string;
  /** Characters still allowed; below 0 once the preview is cut. */
  room: number;
}

function put(out: Out, text: string): void {
  out.text += text.slice(0, Math.max(out.room + 1, 0));
  out.room -= text.length;
}

function write(value: unknown, out: Out): void {
  if (out.room < 0) return;
  if (typeof value === 'string') {
    put(out, JSON.stringify(value.slice(0, out.room + 1)));
    if (value.length > out.room) out.room = -1;
    return;
  }
  if (Array.isArray(value)) {
    put(out, '[');
    for (let i = 0; i < value.length && out.room >= 0; i++) {
      if (i > 0) put(out, ',');
      write(value[i], out);
    }
    put(out, ']');
    return;
  }
  if (typeof value === 'object' && value !== null) {
    put(out, '{');
    let first = true;
    for (const key in value) {
      if (out.room < 0) return;
      if (!first) put(out, ',');
      first = false;
      write(key, out);
      put(out, ':');
      write((value as Record<string, unknown>)[key], out);
    }
    put(out, '}');
    return;
  }
  put(out, value === undefined ? 'nothing' : String(value));
}
