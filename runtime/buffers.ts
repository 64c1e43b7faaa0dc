// The value buffers of a generated `forward`, as the compiler's memory plan
// (compiler/passes/plan-memory.ts) decided them: one buffer per plan slot that holds an
// intermediate value, allocated once for a batch size and reused by every later call. Model inputs
// stay the caller's arrays and outputs are fresh arrays the caller keeps, so neither is pooled.
//
// gpu.js has no way to write a kernel's result into a given array: each layer's result is read
// back as gpu.js returns it and copied into its planned buffer, so what stays live between layers
// is the plan's buffers, not one array per layer.

/** The buffers of one model's forward, by plan slot. */
export interface ForwardBuffers {
  /**
   * One set of buffers that holds `batch` samples, for one call (a set in use by a concurrent call
   * is never shared: a second set is allocated then). Give it back with {@link release}.
   */
  acquire(batch: number): Float32Array[];
  release(set: Float32Array[]): void;
  /** Copies a layer's result into `buffer` (from `acquire`) and returns the filled part. */
  put(buffer: Float32Array, value: Float32Array): Float32Array;
  /** Bytes of buffers allocated so far, over all calls. */
  readonly allocatedBytes: number;
}

interface BufferSet {
  batch: number;
  buffers: Float32Array[];
}

/**
 * The forward buffers of a plan whose slots hold `perSample[i]` values per sample. A set serves
 * any batch up to the one it was allocated for; a larger batch allocates a larger set.
 */
export function forwardBuffers(perSample: readonly number[]): ForwardBuffers {
  let free: BufferSet[] = [];
  const inUse = new Map<Float32Array[], BufferSet>();
  let allocated = 0;
  return {
    acquire(batch) {
      let set = free.find((candidate) => candidate.batch >= batch);
      if (set) free = free.filter((candidate) => candidate !== set);
      else {
        // Smaller free sets would never be picked again while this one exists.
        free = free.filter((candidate) => candidate.batch > batch);
        set = { batch, buffers: perSample.map((size) => new Float32Array(size * batch)) };
        allocated += perSample.reduce((acc, size) => acc + 4 * size * batch, 0);
      }
      const views =
        set.batch === batch
          ? set.buffers
          : set.buffers.map((buffer, idx) => buffer.subarray(0, perSample[idx] * batch));
      inUse.set(views, set);
      return views;
    },
    release(views) {
      const set = inUse.get(views);
      if (!set) return;
      inUse.delete(views);
      free.push(set);
    },
    put(buffer, value) {
      if (value.length > buffer.length)
        throw new Error(
          `internal error: a layer result of ${value.length} values does not fit its planned buffer of ${buffer.length}`,
        );
      buffer.set(value);
      return value.length === buffer.length ? buffer : buffer.subarray(0, value.length);
    },
    get allocatedBytes() {
      return allocated;
    },
  };
}
