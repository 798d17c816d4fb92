/**
 * The time order of a location's day: inventory moves are applied strictly in simulated time, and an intent
 * may schedule later ones (a sale that is returned in the afternoon).
 */
/** Something that happens at a moment of a location's day; processed in time order. */
interface Intent {
  at: number;
  order: number;
  run: () => void;
}

/** A binary min-heap of intents by (time, insertion order). */
export class Timeline {
  private readonly heap: Intent[] = [];
  private counter = 0;

  private less(a: Intent, b: Intent): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  add(at: number, run: () => void): void {
    const heap = this.heap;
    heap.push({ at, order: this.counter++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Intent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.less(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && this.less(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }

  drain(): void {
    for (let next = this.pop(); next; next = this.pop()) next.run();
  }
}
