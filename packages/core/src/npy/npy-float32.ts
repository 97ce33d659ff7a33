/**
 * Float32 `.npy` encoding (format 1.0, C order, little-endian) for embedding outputs and stage dumps. The header is padded to a fixed 128 bytes so a file whose row count grows can
 * have its header rewritten in place.
 */
export const NPY_HEADER_BYTES = 128;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00];

/** The 128-byte header of a little-endian float32 array of `shape`. */
export function npyFloat32Header(shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const room = NPY_HEADER_BYTES - MAGIC.length - 2;
  if (dict.length + 1 > room) throw new RangeError(`npy header for shape [${shape.join(', ')}] does not fit ${NPY_HEADER_BYTES} bytes`);
  const header = new Uint8Array(NPY_HEADER_BYTES);
  header.set(MAGIC);
  new DataView(header.buffer).setUint16(MAGIC.length, room, true);
  const text = dict.padEnd(room - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) header[MAGIC.length + 2 + i] = text.charCodeAt(i);
  return header;
}

/** A whole float32 array as `.npy` bytes. */
export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
  const out = new Uint8Array(NPY_HEADER_BYTES + data.byteLength);
  out.set(npyFloat32Header(shape));
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), NPY_HEADER_BYTES);
  return out;
}
