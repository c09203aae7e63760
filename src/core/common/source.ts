/**
 * Random-access bytes. A `Uint8Array`, a browser `Blob`/`File` and a file on disk (in `./node`)
 * all satisfy it, so format code never knows where bytes come from and can skip what it does not
 * need (param payloads) by seeking.
 */
export interface ByteSource {
  readonly byteLength: number;
  /** Reads `[offset, offset + length)`; may return a view into a shared buffer. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Fills `target` from `offset` (less at the end) and returns the bytes read (files on disk). */
  readInto?(target: Uint8Array, offset: number): Promise<number>;
}

/** A ByteSource over bytes already in memory (zero-copy reads). */
export function bytesSource(bytes: Uint8Array): ByteSource & { bytes: Uint8Array } {
  return {
    bytes,
    byteLength: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** A ByteSource over a Blob or File (browser, or Node >= 20). */
export function blobSource(blob: Blob): ByteSource {
  return {
    byteLength: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}
