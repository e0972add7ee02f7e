import { VelahubError } from '../../core/errors.ts';

/** How many renders a {@link RenderQueue} runs and holds. */
export interface RenderQueueLimits {
  /** Renders evaluated at once. */
  concurrency: number;
  /** Renders allowed to wait for a slot; past that a render is refused with ECUE_BUSY (HTTP 429 + Retry-After). */
  maxQueue: number;
}

/**
 * The bound on anonymous renders: at most `concurrency` run at once, at most
 * `maxQueue` wait, and a caller gets ECUE_TIMEOUT once its render has run too
 * long. A render whose caller was answered keeps its slot until it really
 * ends (the evaluator's own per-call timeout stops it), so slow renders
 * cannot pile up on the evaluator.
 */
export class RenderQueue {
  #running = 0;
  #waiting: Array<() => void> = [];
  constructor(readonly limits: RenderQueueLimits) {}

  /** Renders running now. */
  get running(): number {
    return this.#running;
  }

  /** Renders waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` when a slot is free and resolves like it, or rejects with
   * ECUE_BUSY at once when the queue is full, or with ECUE_TIMEOUT `timeoutMs`
   * after `work` started (`label` names the render in that message).
   */
  run<T>(work: () => Promise<T>, deadline: { timeoutMs: number; label: string }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#slot(async () => {
        const timer = setTimeout(() => reject(new VelahubError('ECUE_TIMEOUT', `rendering ${deadline.label} took longer than ${deadline.timeoutMs} ms and was abandoned`, { hint: 'use fewer or smaller parameters' })), deadline.timeoutMs);
        try {
          resolve(await work());
        } catch (err) {
          reject(err);
        } finally {
          clearTimeout(timer);
        }
      }).catch(reject);
    });
  }

  /** Runs `task` in a slot, held until the task settles. */
  async #slot(task: () => Promise<void>): Promise<void> {
    if (this.#running >= this.limits.concurrency) {
      if (this.#waiting.length >= this.limits.maxQueue) {
        throw new VelahubError('ECUE_BUSY', `too many renders at once (${this.#running} running, ${this.#waiting.length} waiting)`, { hint: 'retry in a few seconds' });
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` never dips below the bound while renders wait.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
