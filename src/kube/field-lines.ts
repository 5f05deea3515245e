/**
 * The line of every field path read from one object, for errors found later (duplicates,
 * conflicts between objects). Readers record tens of paths per object and a 10,000-Service file
 * has 20,000 objects, but the lines are looked up only when something is reported: so recording
 * appends to two arrays, and the map is built on the first lookup. Later records overwrite
 * earlier ones for the same path, as with `Map.set`.
 */
export class FieldLines implements ReadonlyMap<string, number> {
  private paths: string[] | null = [];
  private lines: number[] | null = [];
  private built: Map<string, number> | null = null;

  set(path: string, line: number): this {
    if (this.built !== null) this.built.set(path, line);
    else {
      this.paths!.push(path);
      this.lines!.push(line);
    }
    return this;
  }

  private map(): Map<string, number> {
    if (this.built === null) {
      const map = new Map<string, number>();
      const paths = this.paths!;
      const lines = this.lines!;
      for (let i = 0; i < paths.length; i++) map.set(paths[i]!, lines[i]!);
      this.built = map;
      this.paths = null;
      this.lines = null;
    }
    return this.built;
  }

  get(path: string): number | undefined {
    return this.map().get(path);
  }

  has(path: string): boolean {
    return this.map().has(path);
  }

  get size(): number {
    return this.map().size;
  }

  forEach(callback: (line: number, path: string, map: ReadonlyMap<string, number>) => void, thisArg?: unknown): void {
    this.map().forEach((line, path) => callback.call(thisArg, line, path, this));
  }

  entries(): MapIterator<[string, number]> {
    return this.map().entries();
  }

  keys(): MapIterator<string> {
    return this.map().keys();
  }

  values(): MapIterator<number> {
    return this.map().values();
  }

  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.map()[Symbol.iterator]();
  }
}
