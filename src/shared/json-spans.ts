/**
 * The text of each element of the array under the top-level key `key` of the JSON object `text`,
 * exactly as written (a slice of `text`: spacing, key spelling and order, number and string
 * spelling all as sent). A key is compared after unescaping (`"upd\u0061tes"` is `updates`); when
 * the key occurs more than once the last one counts, as in `JSON.parse`. An empty list when the key
 * is absent or `null`; undefined when `text` is not a JSON object or the key's value is not an
 * array. The text is not validated beyond what finding the spans needs: call it on text a JSON
 * parser accepted.
 */
export function arrayElementSpans(text: string, key: string): string[] | undefined {
  const scanner = new Scanner(text);
  scanner.skipSpace();
  if (text.charCodeAt(scanner.at) !== OPEN_BRACE) return undefined;
  scanner.at++;
  let found: string[] | undefined = [];
  for (;;) {
    scanner.skipSpace();
    const c = text.charCodeAt(scanner.at);
    if (c === CLOSE_BRACE) return found;
    if (c === COMMA) {
      scanner.at++;
      continue;
    }
    if (c !== QUOTE) return undefined;
    const keyStart = scanner.at;
    scanner.skipString();
    const raw = text.slice(keyStart, scanner.at);
    const name = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    scanner.skipSpace();
    if (text.charCodeAt(scanner.at) !== COLON) return undefined;
    scanner.at++;
    scanner.skipSpace();
    if (name !== key) {
      if (!scanner.skipValue()) return undefined;
      continue;
    }
    if (text.startsWith("null", scanner.at)) {
      scanner.at += 4;
      found = [];
      continue;
    }
    if (text.charCodeAt(scanner.at) !== OPEN_BRACKET) return undefined;
    scanner.at++;
    found = [];
    for (;;) {
      scanner.skipSpace();
      const d = text.charCodeAt(scanner.at);
      if (d === CLOSE_BRACKET) {
        scanner.at++;
        break;
      }
      if (d === COMMA) {
        scanner.at++;
        continue;
      }
      const start = scanner.at;
      if (!scanner.skipValue()) return undefined;
      found.push(text.slice(start, scanner.at));
    }
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

class Scanner {
  at = 0;

  constructor(private readonly text: string) {}

  skipSpace(): void {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(this.at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.at++;
      else return;
    }
  }

  /** From an opening quote to just after its closing quote. */
  skipString(): void {
    const { text } = this;
    let i = this.at + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) break;
      if (c === BACKSLASH) i += 2;
      else if (c === QUOTE) {
        i++;
        break;
      } else i++;
    }
    this.at = i;
  }

  /** Past one value (string, number, literal, object or array); false at the end of the text or an unexpected character. */
  skipValue(): boolean {
    const { text } = this;
    const c = text.charCodeAt(this.at);
    if (Number.isNaN(c)) return false;
    if (c === QUOTE) {
      this.skipString();
      return true;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      let depth = 0;
      for (;;) {
        const d = text.charCodeAt(this.at);
        if (Number.isNaN(d)) return false;
        if (d === QUOTE) {
          this.skipString();
          continue;
        }
        this.at++;
        if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
        else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return true;
      }
    }
    if (c === COMMA || c === COLON || c === CLOSE_BRACE || c === CLOSE_BRACKET) return false;
    for (;;) {
      const d = text.charCodeAt(this.at);
      if (Number.isNaN(d) || d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) return true;
      this.at++;
    }
  }
}
