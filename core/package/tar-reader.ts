import { VelahubError } from '../errors.ts';

/**
 * A strict, streaming reader of the tar subset an addon archive may use, written so that what
 * velahub validates is exactly what Go's archive/tar (Helm, KubeVela) and GNU tar extract: every
 * header it does not fully understand is refused instead of skipped. Accepted: regular files
 * (`0`, NUL), folders (`5`), and pax extended headers (`x`) whose keys change neither a path nor
 * a size. Refused, naming the entry: links, devices, FIFOs, every other type (GNU `L`/`K`/`S`/`M`/
 * `V`, `Z`, ...), pax global headers (`g`), pax `path`/`linkpath`/`size`/`GNU.sparse.*` and unknown
 * keys, bad checksums, non-UTF-8 names, a lone zero block, a missing end-of-archive marker, and
 * non-zero data after it. Work and memory are linear in the input: bytes are queued as the
 * chunks that arrived and only a 512-byte header is ever copied.
 */

/** One entry the reader accepted (pax records already applied). */
export interface TarEntryHeader {
  /** The full name (ustar prefix joined), exactly as Go and GNU tar read it. */
  path: string;
  type: 'file' | 'directory';
  size: number;
}

/** What the reader reports to its user. */
export interface TarReaderHandlers {
  /** A new entry; its body follows through `onData` (files only), then `onEnd`. */
  onEntry(header: TarEntryHeader): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
}

/** Largest pax extended header accepted, in bytes. */
export const maxPaxBytes = 64 * 1024;

/** Zero padding accepted after the end-of-archive marker (GNU tar pads to 10 KiB records). */
export const trailingAllowance = 64 * 1024;

const block = 512;

/** Pax keys that neither rename nor resize an entry, so every reader agrees on them. */
const harmlessPaxKeys = new Set(['mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'comment', 'charset', 'hdrcharset']);
const harmlessPaxPrefixes = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

const unsafeKinds: Record<string, string> = { '1': 'hard link', '2': 'symbolic link', '3': 'device', '4': 'device', '6': 'FIFO' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

type State = 'header' | 'body' | 'padding' | 'pax' | 'end' | 'done';

/** A streaming strict tar reader: `write` chunks as they arrive, then `end`. */
export class TarReader {
  #chunks: Buffer[] = [];
  #head = 0;
  #offset = 0;
  #queued = 0;
  #state: State = 'header';
  #remaining = 0;
  #pad = 0;
  #pax: Buffer[] = [];
  #paxFor = '';
  #pending: Map<string, string> | undefined;
  #position = 0;
  #trailing = 0;
  #lastName = '';

  constructor(readonly handlers: TarReaderHandlers) {}

  /** True once the end-of-archive marker was read: later bytes may only be zero padding. */
  get finished(): boolean {
    return this.#state === 'end' || this.#state === 'done';
  }

  /** Feeds bytes; throws a VelahubError naming the entry at the first problem. */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.finished) return this.#trailingBytes(chunk);
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    this.#drain();
  }

  /** Signals the end of input: the archive must have ended with its marker. */
  end(): void {
    if (this.finished) {
      this.#state = 'done';
      return;
    }
    const where = this.#state === 'header' ? 'no end-of-archive marker (two zero blocks)' : `entry ${JSON.stringify(this.#lastName)} is cut short`;
    throw new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: it is truncated: ${where}`, { hint: 'create packages with `velahub package` or `tar czf`' });
  }

  #drain(): void {
    for (;;) {
      if (this.#state === 'header') {
        // A zero block is decided on together with the block after it.
        const first = this.#peek(block);
        if (!first || (isZero(first) && this.#queued < 2 * block)) return;
        this.#header(this.#take(block)!);
      } else if (this.#state === 'body' || this.#state === 'pax') {
        if (this.#remaining === 0) {
          this.#finishBody();
          continue;
        }
        const piece = this.#takeSome(this.#remaining);
        if (!piece) return;
        this.#remaining -= piece.length;
        if (this.#state === 'body') this.handlers.onData(piece);
        else this.#pax.push(piece);
      } else if (this.#state === 'padding') {
        if (this.#pad === 0) {
          this.#state = 'header';
          continue;
        }
        const piece = this.#takeSome(this.#pad);
        if (!piece) return;
        this.#pad -= piece.length;
      } else {
        // The marker was read: what is still queued is trailing data.
        const rest = this.#chunks.slice(this.#head).map((c, i) => (i === 0 ? c.subarray(this.#offset) : c));
        this.#chunks = [];
        this.#head = this.#offset = this.#queued = 0;
        for (const c of rest) this.#trailingBytes(c);
        return;
      }
    }
  }

  #finishBody(): void {
    if (this.#state === 'body') this.handlers.onEnd();
    else this.#pending = parsePax(Buffer.concat(this.#pax), this.#paxFor);
    this.#pax = [];
    this.#state = 'padding';
  }

  #header(h: Buffer): void {
    const at = this.#position;
    this.#position += block;
    if (isZero(h)) {
      // Go's archive/tar requires a second zero block; GNU tar stops at the first. Both agree only on two.
      const next = this.#take(block)!;
      this.#position += block;
      if (!isZero(next)) {
        throw new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: a lone zero block at byte ${at} is followed by more entries; GNU tar would stop there and Go's reader would fail`);
      }
      if (this.#pending) throw new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: the pax header ${JSON.stringify(this.#paxFor)} is followed by no entry`);
      this.#state = 'end';
      return;
    }
    const fallback = `entry at byte ${at}`;
    if (!checksumOk(h)) throw new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: the header of the ${fallback} has a wrong checksum`);
    const name = this.#name(h, fallback);
    this.#lastName = name;
    const typeflag = String.fromCharCode(h[156]!);
    const size = octal(h.subarray(124, 136), name, 'size');
    const refuse = (code: 'EUNSAFE_ENTRY' | 'EBAD_ARCHIVE', why: string) => new VelahubError(code, `refused entry ${JSON.stringify(name)}: ${why}`, { path: name });

    if (typeflag === 'x') {
      if (this.#pending) throw refuse('EUNSAFE_ENTRY', 'two pax headers in a row; a pax header describes exactly one entry');
      if (size > maxPaxBytes) throw refuse('EUNSAFE_ENTRY', `pax extended header of ${size} bytes, more than the ${maxPaxBytes} allowed`);
      this.#paxFor = name;
      this.#start('pax', size);
      return;
    }
    if (typeflag === 'g') throw refuse('EUNSAFE_ENTRY', 'pax global headers are not allowed in a package (they change how other readers name every later entry)');
    if (unsafeKinds[typeflag]) throw refuse('EUNSAFE_ENTRY', `${unsafeKinds[typeflag]} entries are not allowed in a package`);
    // The pending pax records hold only keys that change nothing velahub reads (see parsePax).
    this.#pending = undefined;
    const isDir = typeflag === '5' || (typeflag === '\0' && name.endsWith('/'));
    const isFile = typeflag === '0' || (typeflag === '\0' && !name.endsWith('/'));
    if (!isDir && !isFile) {
      const shown = /^[\x20-\x7e]$/.test(typeflag) ? `"${typeflag}"` : `0x${h[156]!.toString(16).padStart(2, '0')}`;
      throw refuse('EUNSAFE_ENTRY', `entries of type ${shown} are not allowed in a package: only regular files (type "0") and folders (type "5")`);
    }
    if (isDir && size !== 0) throw refuse('EBAD_ARCHIVE', `a folder entry with ${size} bytes of data`);
    if (isFile && name.endsWith('/')) throw refuse('EBAD_ARCHIVE', 'a regular file whose name ends with "/"');
    this.handlers.onEntry({ path: name, type: isDir ? 'directory' : 'file', size });
    if (isDir) {
      this.handlers.onEnd();
      return;
    }
    this.#start('body', size);
  }

  #start(state: 'body' | 'pax', size: number): void {
    this.#state = state;
    this.#remaining = size;
    this.#pad = (block - (size % block)) % block;
    this.#position += size + this.#pad;
  }

  /** The entry name as Go reads it: `prefix/name` for ustar and pax headers, `name` otherwise. */
  #name(h: Buffer, fallback: string): string {
    const magic = h.subarray(257, 265).toString('latin1');
    let raw = cString(h.subarray(0, 100));
    if (magic === 'ustar\u000000' && h.subarray(508, 512).toString('latin1') === 'tar\u0000') {
      // The star format: Go reads a shorter prefix field there, so the name is ambiguous.
      throw new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: the ${fallback} is in the star format, which tar readers name differently`);
    }
    if (magic === 'ustar\u000000') {
      const prefix = cString(h.subarray(345, 500));
      if (prefix.length) raw = Buffer.concat([prefix, Buffer.from('/'), raw]);
    } else if (magic !== 'ustar  \u0000' && h.subarray(257, 263).some((b) => b !== 0)) {
      throw new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: the ${fallback} has an unknown header format`);
    }
    try {
      return utf8.decode(raw);
    } catch {
      throw new VelahubError('EUNSAFE_PATH', `refused ${fallback}: its name ${JSON.stringify(raw.toString('latin1'))} is not valid UTF-8`, { hint: 'name files in UTF-8' });
    }
  }

  #trailingBytes(chunk: Buffer): void {
    this.#trailing += chunk.length;
    if (!isZero(chunk)) {
      throw new VelahubError('EBAD_ARCHIVE', 'refused archive: it holds data after the end-of-archive marker, which `tar --ignore-zeros` would read as more entries');
    }
    if (this.#trailing > trailingAllowance) {
      throw new VelahubError('EPACKAGE_TOO_LARGE', `refused archive: more than ${trailingAllowance} bytes of padding after the end-of-archive marker (a compression bomb)`, {
        hint: 'an archive ends with two zero blocks and at most one record of padding',
      });
    }
  }

  /** The next `n` bytes without consuming them, or undefined when not yet queued. */
  #peek(n: number): Buffer | undefined {
    if (this.#queued < n) return undefined;
    const first = this.#chunks[this.#head]!;
    if (first.length - this.#offset >= n) return first.subarray(this.#offset, this.#offset + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (let i = this.#head, off = this.#offset; filled < n; i++, off = 0) filled += this.#chunks[i]!.copy(out, filled, off, off + (n - filled));
    return out;
  }

  /** Exactly `n` bytes (copied only when they span chunks), or undefined when not yet queued. */
  #take(n: number): Buffer | undefined {
    if (this.#queued < n) return undefined;
    const first = this.#chunks[this.#head]!;
    if (first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[this.#head]!;
      const piece = c.subarray(this.#offset, this.#offset + (n - filled));
      piece.copy(out, filled);
      filled += piece.length;
      this.#advance(piece.length);
    }
    return out;
  }

  /** Up to `n` bytes from the current chunk (no copy), or undefined when nothing is queued. */
  #takeSome(n: number): Buffer | undefined {
    if (this.#queued === 0) return undefined;
    const c = this.#chunks[this.#head]!;
    const out = c.subarray(this.#offset, this.#offset + Math.min(n, c.length - this.#offset));
    this.#advance(out.length);
    return out;
  }

  #advance(n: number): void {
    this.#offset += n;
    this.#queued -= n;
    while (this.#head < this.#chunks.length && this.#offset >= this.#chunks[this.#head]!.length) {
      this.#offset -= this.#chunks[this.#head]!.length;
      this.#head++;
    }
    // Drop consumed chunks now and then, so the queue never grows with the input.
    if (this.#head > 64) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function cString(b: Buffer): Buffer {
  const nul = b.indexOf(0);
  return nul === -1 ? b : b.subarray(0, nul);
}

/** The header checksum, accepted as unsigned or signed bytes like Go's reader. */
function checksumOk(h: Buffer): boolean {
  const field = cString(h.subarray(148, 156)).toString('latin1').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < block; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/** A numeric header field in octal (base-256 is refused: no package needs an 8 GiB file). */
function octal(field: Buffer, name: string, what: string): number {
  if (field[0]! & 0x80) throw new VelahubError('EBAD_ARCHIVE', `refused entry ${JSON.stringify(name)}: its ${what} is in base-256, used only for files over 8 GiB`, { path: name });
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new VelahubError('EBAD_ARCHIVE', `refused entry ${JSON.stringify(name)}: its ${what} field ${JSON.stringify(text)} is not an octal number`, { path: name });
  return parseInt(text, 8);
}

/**
 * The records of a pax extended header (`LEN key=value\n`), refusing malformed
 * records and every key that renames or resizes the entry or that the reader
 * would otherwise not understand.
 */
function parsePax(data: Buffer, name: string): Map<string, string> {
  const out = new Map<string, string>();
  const refuse = (why: string) => new VelahubError('EUNSAFE_ENTRY', `refused entry ${JSON.stringify(name)}: ${why}`, { path: name });
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    const lenText = space === -1 ? '' : data.subarray(i, space).toString('latin1');
    const len = /^[1-9][0-9]{0,9}$/.test(lenText) ? Number(lenText) : NaN;
    if (!Number.isFinite(len) || i + len > data.length || data[i + len - 1] !== 0x0a) throw refuse(`malformed pax record at byte ${i} of the extended header`);
    const record = data.subarray(space + 1, i + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw refuse(`malformed pax record at byte ${i} of the extended header`);
    let key: string;
    let value: string;
    try {
      key = utf8.decode(record.subarray(0, eq));
      value = utf8.decode(record.subarray(eq + 1));
    } catch {
      throw refuse(`pax record at byte ${i} is not valid UTF-8`);
    }
    if (key === 'path' || key === 'linkpath' || key === 'size' || key.startsWith('GNU.sparse.')) {
      throw refuse(`pax key "${key}" changes the entry's ${key === 'size' || key.startsWith('GNU.sparse.') ? 'size' : 'name'}, which some tar readers ignore; pack with \`velahub package\` (plain ustar headers)`);
    }
    if (!harmlessPaxKeys.has(key) && !harmlessPaxPrefixes.some((p) => key.startsWith(p))) {
      throw refuse(`pax key "${key}" is not understood; allowed keys: ${[...harmlessPaxKeys].join(', ')}, SCHILY.xattr.*, LIBARCHIVE.xattr.*`);
    }
    out.set(key, value);
    i += len;
  }
  return out;
}
