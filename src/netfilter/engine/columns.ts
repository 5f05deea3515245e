/**
 * Column storage for compiled programs, recycled between commits.
 *
 * A sync of a 170,000-rule table builds a new program of ~15 MB of typed columns. Allocating that
 * afresh on every commit makes V8 collect the whole heap every few syncs (hundreds of ms at this
 * size), so each table keeps the program its last commit replaced and the next compile writes into
 * that program's buffers. Safe because nothing holds a program across commits (callers ask
 * Netfilter.program() for the current one each time), and the program being replaced at a commit
 * is the current one, never the recycled one.
 */
type Column = Int8Array | Uint8Array | Uint16Array | Int32Array | Float64Array;

interface ColumnType<T extends Column> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
}

/** Headroom when a column must grow, so a table that grows a little does not allocate every commit. */
const GROWTH = 1.125;

/**
 * A zero-filled column of `length` elements: a view over `old`'s buffer when it is large enough,
 * else a new buffer with some headroom.
 */
export function column<T extends Column>(type: ColumnType<T>, old: T | undefined, length: number): T {
  const bytes = length * type.BYTES_PER_ELEMENT;
  if (old !== undefined && old.buffer instanceof ArrayBuffer && old.buffer.byteLength >= bytes && old.byteOffset === 0) {
    const view = new type(old.buffer, 0, length);
    view.fill(0);
    return view;
  }
  const capacity = Math.ceil(length * GROWTH) + 16;
  return new type(new ArrayBuffer(capacity * type.BYTES_PER_ELEMENT), 0, length);
}

/** A JS array of `length` slots to be overwritten: `old` itself (resized) when given. */
export function slots<T>(old: T[] | undefined, length: number): T[] {
  if (old === undefined) return new Array<T>(length);
  old.length = length;
  return old;
}
