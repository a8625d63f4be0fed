/**
 * A small TOML reader for runtime profiles (no runtime dependencies).
 *
 * It reads the subset `caracal setup` writes and people write by hand: comments, bare and quoted
 * keys (dotted too), basic and literal strings, integers, floats, booleans, arrays (over several
 * lines, trailing comma allowed), inline tables, `[table]` and `[[array of tables]]` headers.
 * Multi-line strings and dates are refused with a clear message. Pure; safe to call concurrently.
 */

/** TOML this reader does not accept; the message gives line and column. */
export class TomlError extends Error {
  override name = "TomlError";
}

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

const BARE_KEY = /[A-Za-z0-9_-]+/y;
const NUMBER = /[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

/** Parses TOML text into plain objects, arrays and scalars. Throws {@link TomlError}. */
export function parseToml(text: string): TomlTable {
  return new Parser(text).document();
}

class Parser {
  private readonly text: string;
  private pos = 0;
  private readonly root: TomlTable = {};
  private readonly defined = new Set<TomlTable>();

  constructor(text: string) {
    this.text = text.replace(/\r\n/g, "\n");
  }

  document(): TomlTable {
    let current = this.root;
    for (;;) {
      this.skipBlankLines();
      if (this.pos >= this.text.length) {
        return this.root;
      }
      if (this.text.startsWith("[[", this.pos)) {
        this.pos += 2;
        const path = this.keyPath();
        this.expect("]]");
        current = this.arrayTable(path);
      } else if (this.peek() === "[") {
        this.pos += 1;
        const path = this.keyPath();
        this.expect("]");
        current = this.table(path);
      } else {
        const path = this.keyPath();
        this.expect("=");
        this.skipSpaces();
        this.assign(current, path, this.value());
      }
      this.endOfLine();
    }
  }

  private table(path: string[]): TomlTable {
    const node = this.walk(this.root, path.slice(0, -1));
    const last = path[path.length - 1]!;
    let existing = node[last];
    if (existing === undefined) {
      existing = {};
      node[last] = existing;
    } else if (!isTable(existing) || this.defined.has(existing)) {
      this.fail(`table \`${path.join(".")}\` is defined twice`);
    }
    this.defined.add(existing as TomlTable);
    return existing as TomlTable;
  }

  private arrayTable(path: string[]): TomlTable {
    const node = this.walk(this.root, path.slice(0, -1));
    const last = path[path.length - 1]!;
    let existing = node[last];
    if (existing === undefined) {
      existing = [];
      node[last] = existing;
    }
    if (!Array.isArray(existing)) {
      this.fail(`\`${path.join(".")}\` is not an array of tables`);
    }
    const entry: TomlTable = {};
    (existing as TomlValue[]).push(entry);
    return entry;
  }

  private walk(start: TomlTable, path: string[]): TomlTable {
    let node = start;
    for (const part of path) {
      let child = node[part];
      if (child === undefined) {
        child = {};
        node[part] = child;
      }
      if (Array.isArray(child) && child.length > 0 && isTable(child[child.length - 1])) {
        child = child[child.length - 1] as TomlTable;
      }
      if (!isTable(child)) {
        this.fail(`key \`${part}\` is not a table`);
      }
      node = child as TomlTable;
    }
    return node;
  }

  private assign(table: TomlTable, path: string[], value: TomlValue): void {
    const node = this.walk(table, path.slice(0, -1));
    const last = path[path.length - 1]!;
    if (Object.prototype.hasOwnProperty.call(node, last)) {
      this.fail(`key \`${path.join(".")}\` is defined twice`);
    }
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }

  private keyPath(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      const char = this.peek();
      if (char === '"') {
        parts.push(this.basicString());
      } else if (char === "'") {
        parts.push(this.literalString());
      } else {
        BARE_KEY.lastIndex = this.pos;
        const match = BARE_KEY.exec(this.text);
        if (!match) {
          this.fail("expected a key");
        }
        parts.push(match![0]);
        this.pos = BARE_KEY.lastIndex;
      }
      if (parts[parts.length - 1] === "__proto__") {
        this.fail("key `__proto__` is not allowed");
      }
      this.skipSpaces();
      if (this.peek() !== ".") {
        return parts;
      }
      this.pos += 1;
    }
  }

  private value(): TomlValue {
    const char = this.peek();
    if (this.text.startsWith('"""', this.pos) || this.text.startsWith("'''", this.pos)) {
      this.fail("multi-line strings are not supported in runtime profiles");
    }
    if (char === '"') return this.basicString();
    if (char === "'") return this.literalString();
    if (char === "[") return this.array();
    if (char === "{") return this.inlineTable();
    for (const [word, result] of [["true", true], ["false", false]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match) {
      const after = this.text.charAt(NUMBER.lastIndex);
      if (after === "-" || after === ":") {
        this.fail("dates and times are not supported in runtime profiles");
      }
      this.pos = NUMBER.lastIndex;
      return Number(match[0].replace(/_/g, ""));
    }
    return this.fail("expected a value (string, number, boolean, array or inline table)");
  }

  private basicString(): string {
    this.pos += 1;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length || this.text[this.pos] === "\n") {
        this.fail("unterminated string");
      }
      const char = this.text[this.pos]!;
      this.pos += 1;
      if (char === '"') {
        return out;
      }
      if (char !== "\\") {
        out += char;
        continue;
      }
      const escape = this.text.charAt(this.pos);
      this.pos += 1;
      if (escape in ESCAPES) {
        out += ESCAPES[escape];
      } else if (escape === "u" || escape === "U") {
        const width = escape === "u" ? 4 : 8;
        const digits = this.text.slice(this.pos, this.pos + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) {
          this.fail(`invalid \\${escape} escape`);
        }
        out += String.fromCodePoint(parseInt(digits, 16));
        this.pos += width;
      } else {
        this.fail(`invalid escape \`\\${escape}\``);
      }
    }
  }

  private literalString(): string {
    const end = this.text.indexOf("'", this.pos + 1);
    const newline = this.text.indexOf("\n", this.pos + 1);
    if (end < 0 || (newline >= 0 && newline < end)) {
      this.fail("unterminated string");
    }
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private array(): TomlValue[] {
    this.pos += 1;
    const items: TomlValue[] = [];
    for (;;) {
      this.skipBlankLines();
      if (this.peek() === "]") {
        this.pos += 1;
        return items;
      }
      items.push(this.value());
      this.skipBlankLines();
      if (this.peek() === ",") {
        this.pos += 1;
      } else if (this.peek() !== "]") {
        this.fail("expected `,` or `]` in array");
      }
    }
  }

  private inlineTable(): TomlTable {
    this.pos += 1;
    const table: TomlTable = {};
    this.skipSpaces();
    if (this.peek() === "}") {
      this.pos += 1;
      return table;
    }
    for (;;) {
      const path = this.keyPath();
      this.expect("=");
      this.skipSpaces();
      this.assign(table, path, this.value());
      this.skipSpaces();
      if (this.peek() === "}") {
        this.pos += 1;
        return table;
      }
      this.expect(",");
    }
  }

  private peek(): string {
    return this.text.charAt(this.pos);
  }

  private skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") {
      this.pos += 1;
    }
  }

  private skipComment(): void {
    if (this.peek() === "#") {
      const newline = this.text.indexOf("\n", this.pos);
      this.pos = newline < 0 ? this.text.length : newline;
    }
  }

  private skipBlankLines(): void {
    while (this.pos < this.text.length) {
      this.skipSpaces();
      this.skipComment();
      if (this.peek() === "\n") {
        this.pos += 1;
      } else {
        return;
      }
    }
  }

  private endOfLine(): void {
    this.skipSpaces();
    this.skipComment();
    if (this.pos < this.text.length && this.peek() !== "\n") {
      this.fail("expected the end of the line");
    }
  }

  private expect(token: string): void {
    this.skipSpaces();
    if (!this.text.startsWith(token, this.pos)) {
      this.fail(`expected \`${token}\``);
    }
    this.pos += token.length;
  }

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    const column = this.pos - (this.text.lastIndexOf("\n", this.pos - 1) + 1) + 1;
    throw new TomlError(`${message} (at line ${line}, column ${column})`);
  }
}

function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
