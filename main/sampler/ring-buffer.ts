/** A fixed-capacity ring buffer: memory stays bounded whatever the uptime. */
export class RingBuffer<T> {
  private items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(capacity: number) {
    RingBuffer.checkCapacity(capacity);
    this.items = new Array<T | undefined>(capacity);
  }

  private static checkCapacity(capacity: number): void {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a whole number ≥ 1, got ${capacity}`);
  }

  /** How many items it holds at most. */
  get capacity(): number {
    return this.items.length;
  }

  /** How many items it holds now. */
  get length(): number {
    return this.count;
  }

  /** Append an item, dropping the oldest when full. */
  push(item: T): void {
    const capacity = this.items.length;
    if (this.count < capacity) {
      this.items[(this.start + this.count) % capacity] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % capacity;
    }
  }

  /** The items, oldest first (a new array). */
  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.start + i) % this.items.length] as T;
    return out;
  }

  /** The newest item, or undefined when empty. */
  newest(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.items.length];
  }

  /** Change the capacity, keeping the newest items that fit. */
  resize(capacity: number): void {
    RingBuffer.checkCapacity(capacity);
    const kept = this.toArray().slice(-capacity);
    this.items = new Array<T | undefined>(capacity);
    for (let i = 0; i < kept.length; i++) this.items[i] = kept[i];
    this.start = 0;
    this.count = kept.length;
  }

  /** Drop every item. */
  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
  }
}
