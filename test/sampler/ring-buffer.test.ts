import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../main/sampler/ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.newest()).toBeUndefined();
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    for (const n of [3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.capacity).toBe(3);
    expect(ring.newest()).toBe(5);
  });

  it('resizes keeping the newest items', () => {
    const ring = new RingBuffer<number>(5);
    for (let n = 1; n <= 7; n++) ring.push(n);
    ring.resize(2);
    expect(ring.toArray()).toEqual([6, 7]);
    ring.push(8);
    expect(ring.toArray()).toEqual([7, 8]);
    ring.resize(4);
    expect(ring.toArray()).toEqual([7, 8]);
    ring.push(9);
    ring.push(10);
    ring.push(11);
    expect(ring.toArray()).toEqual([8, 9, 10, 11]);
    ring.clear();
    expect(ring.length).toBe(0);
  });

  it('stays bounded over many pushes', () => {
    const ring = new RingBuffer<number>(600);
    for (let n = 0; n < 100_000; n++) ring.push(n);
    const items = ring.toArray();
    expect(items).toHaveLength(600);
    expect(items[0]).toBe(100_000 - 600);
    expect(items[599]).toBe(99_999);
  });

  it('refuses a capacity below 1 or not whole', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
    expect(() => new RingBuffer(3).resize(-1)).toThrow(RangeError);
  });
});
