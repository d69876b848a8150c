// Value shapes the generated TypeScript declarations use for what C expresses with pointers.

/** A pointer to one scalar: `[out] u32 *len` becomes a Box the callee fills. */
export interface Box<T> {
  value: T;
}

/**
 * An opaque handle: the home side knows what it stands for, the other side only passes it back.
 * The id is issued by the home side's handle table; it is never an address.
 */
export interface Handle {
  readonly handleId: number;
  readonly typeId: number;
}

/** A pointer into an array the object tables know: the array and an element index. */
export interface Interior<T> {
  readonly base: ArrayLike<T>;
  readonly index: number;
}
