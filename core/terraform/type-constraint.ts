import type { JsonSchema } from '../params/schema.ts';

/**
 * Parses a Terraform type constraint (`string`, `list(object({ a = string,
 * b = optional(number, 80) }))`, `map(any)`, `tuple([string, bool])`) into a
 * JSON Schema. Unknown or malformed constraints give `{}` (any value) rather
 * than a guess.
 */
export function typeConstraintToSchema(expr: string): JsonSchema {
  const text = expr.trim().replace(/^\$\{([\s\S]*)\}$/, '$1');
  try {
    const p = new Parser(text);
    const schema = p.type();
    p.end();
    return schema;
  } catch {
    return {};
  }
}

class Parser {
  #i = 0;
  constructor(readonly s: string) {}

  #ws(): void {
    while (this.#i < this.s.length && /[\s,]/.test(this.s[this.#i]!)) this.#i++;
  }

  #word(): string {
    this.#ws();
    const m = /^[A-Za-z_][\w-]*/.exec(this.s.slice(this.#i));
    if (!m) throw new Error(`expected a name at ${this.#i}`);
    this.#i += m[0].length;
    return m[0];
  }

  #eat(ch: string): void {
    this.#ws();
    if (this.s[this.#i] !== ch) throw new Error(`expected ${ch} at ${this.#i}`);
    this.#i++;
  }

  #peek(): string | undefined {
    this.#ws();
    return this.s[this.#i];
  }

  end(): void {
    this.#ws();
    if (this.#i !== this.s.length) throw new Error('trailing input');
  }

  /** Skips one HCL value (an optional() default) without interpreting it. */
  #skipValue(): void {
    let depth = 0;
    let quote = false;
    for (; this.#i < this.s.length; this.#i++) {
      const c = this.s[this.#i]!;
      if (quote) {
        if (c === '\\') this.#i++;
        else if (c === '"') quote = false;
        continue;
      }
      if (c === '"') quote = true;
      else if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) {
        if (depth === 0) return;
        depth--;
      } else if (c === ',' && depth === 0) return;
    }
  }

  type(): JsonSchema & { 'x-optional'?: boolean } {
    const name = this.#word();
    switch (name) {
      case 'string':
        return { type: 'string' };
      case 'number':
        return { type: 'number' };
      case 'bool':
        return { type: 'boolean' };
      case 'any':
        return {};
      case 'list':
      case 'set': {
        this.#eat('(');
        const items = this.type();
        this.#eat(')');
        return { type: 'array', items };
      }
      case 'map': {
        this.#eat('(');
        const values = this.type();
        this.#eat(')');
        return { type: 'object', additionalProperties: values };
      }
      case 'tuple': {
        this.#eat('(');
        this.#eat('[');
        const items: JsonSchema[] = [];
        while (this.#peek() !== ']') items.push(this.type());
        this.#eat(']');
        this.#eat(')');
        return { type: 'array', items: items.length === 1 ? items[0] : {}, minItems: items.length, maxItems: items.length };
      }
      case 'optional': {
        this.#eat('(');
        const inner = this.type();
        let dflt: unknown;
        if (this.#peek() !== ')') {
          const start = this.#i;
          this.#skipValue();
          const raw = this.s.slice(start, this.#i).trim();
          try {
            dflt = JSON.parse(raw);
          } catch {
            dflt = undefined;
          }
        }
        this.#eat(')');
        return { ...inner, ...(dflt !== undefined ? { default: dflt } : {}), 'x-optional': true };
      }
      case 'object': {
        this.#eat('(');
        this.#eat('{');
        const properties: Record<string, JsonSchema> = {};
        const required: string[] = [];
        while (this.#peek() !== '}') {
          const key = this.#word();
          this.#eat('=');
          const t = this.type();
          const { 'x-optional': optional, ...schema } = t;
          properties[key] = { title: key, ...schema };
          if (!optional) required.push(key);
        }
        this.#eat('}');
        this.#eat(')');
        return { type: 'object', properties, ...(required.length ? { required } : {}) };
      }
      default:
        throw new Error(`unknown type ${name}`);
    }
  }
}
