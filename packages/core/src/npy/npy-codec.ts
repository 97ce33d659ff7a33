/**
 * `.npy` files (NumPy format 1.0 / 2.0 / 3.0 read, 1.0 or 2.0 written): C-order, little-endian
 * float64, float32, int32 and int64, the dtypes the reference protocol uses.
 */
import { MuleError } from '../errors/mule-error.js';

/** An .npy file that cannot be read: INVALID_INPUT naming it. */
function malformed(source: string, message: string): MuleError {
  return new MuleError('INVALID_INPUT', `${source}: ${message}`, { file: source, hint: 'give a .npy file written by numpy (np.save) or by mule-ts' });
}

/** The typed arrays an NDArray holds (float64, float32, int32, int64). */
export type NDData = Float64Array | Float32Array | Int32Array | BigInt64Array;

/** A shaped, C-order (row-major) array. */
export interface NDArray {
  data: NDData;
  shape: number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

const DESCR_OF = new Map<unknown, string>([
  [Float64Array, '<f8'],
  [Float32Array, '<f4'],
  [Int32Array, '<i4'],
  [BigInt64Array, '<i8'],
]);

type DataConstructor = { new (buffer: ArrayBuffer): NDData; BYTES_PER_ELEMENT: number };
const CONSTRUCTOR_OF: Record<string, DataConstructor> = {
  f8: Float64Array,
  f4: Float32Array,
  i4: Int32Array,
  i8: BigInt64Array,
};

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An NDArray after checking that `shape` matches the data length. */
export function ndarray(data: NDData, shape: readonly number[]): NDArray {
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new RangeError(`invalid shape [${shape.join(', ')}]`);
  if (elementCount(shape) !== data.length) {
    throw new RangeError(`shape [${shape.join(', ')}] needs ${elementCount(shape)} values, the data holds ${data.length}`);
  }
  return { data, shape: [...shape] };
}

/** The values as plain numbers (int64 converted exactly when within 2^53, else throws). */
export function toNumbers(array: NDArray): Float64Array {
  if (!(array.data instanceof BigInt64Array)) return Float64Array.from(array.data);
  return Float64Array.from(array.data, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new RangeError(`int64 value ${v} does not fit a double exactly`);
    return n;
  });
}

function headerDict(descr: string, shape: readonly number[]): string {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
}

/** The bytes of a `.npy` file: version 1.0 when the header fits 65535 bytes, else 2.0. */
export function encodeNpy(array: NDArray): Uint8Array {
  const descr = DESCR_OF.get(array.data.constructor);
  if (!descr) throw new TypeError(`cannot write ${array.data.constructor.name} to .npy`);
  ndarray(array.data, array.shape);
  const dict = headerDict(descr, array.shape);
  const build = (prefixLength: number): string => {
    const unpadded = prefixLength + dict.length + 1;
    return dict + ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  };
  let major = 1;
  let header = build(10);
  if (header.length > 0xffff) {
    major = 2;
    header = build(12);
  }
  const prefix = major === 1 ? 10 : 12;
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  // Typed arrays are little-endian on every platform Node supports.
  out.set(body, prefix + header.length);
  return out;
}

function parseHeader(text: string, source: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw malformed(source, `malformed .npy header ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw malformed(source, `bad dimension ${JSON.stringify(s)} in the .npy shape`);
      return n;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Reads `.npy` bytes (format 1.0-3.0, C or Fortran order (returned in C order), little-endian f8/f4/i4/i8; `|`/`=` byte order accepted). */
export function decodeNpy(bytes: Uint8Array, source = '<bytes>'): NDArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw malformed(source, `not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLength = view.getUint32(8, true);
    start = 12;
  } else {
    throw malformed(source, `unsupported .npy version ${major}.${bytes[7]}`);
  }
  const headerBytes = bytes.subarray(start, start + headerLength);
  const text = major === 3 ? new TextDecoder().decode(headerBytes) : new TextDecoder('latin1').decode(headerBytes);
  const { descr, fortran, shape } = parseHeader(text, source);
  const order = descr[0];
  const kind = descr.slice(1);
  const Ctor = CONSTRUCTOR_OF[kind];
  if (!Ctor || (order !== '<' && order !== '|' && order !== '=')) {
    throw malformed(source, `unsupported dtype '${descr}' (want little-endian float64, float32, int32 or int64)`);
  }
  const count = elementCount(shape);
  const offset = start + headerLength;
  const byteLength = count * Ctor.BYTES_PER_ELEMENT;
  if (bytes.length - offset < byteLength) throw malformed(source, `truncated .npy data (${bytes.length - offset} of ${byteLength} bytes)`);
  // A copy: Node's Buffer.slice shares (possibly pooled) memory, and typed views need alignment.
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(offset, offset + byteLength));
  const data = new Ctor(copy.buffer);
  return ndarray(fortran && shape.length > 1 ? fortranToC(data, shape) : data, shape);
}

/** The same array in C (row-major) order: element (i0, ..., ik) sits at i0 + s0 * (i1 + s1 * ...) in Fortran order. */
function fortranToC(data: NDData, shape: readonly number[]): NDData {
  const out = new (data.constructor as new (n: number) => NDData)(data.length);
  const index = new Array<number>(shape.length).fill(0);
  const fortranStride = shape.map((_, d) => shape.slice(0, d).reduce((a, b) => a * b, 1));
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let d = 0; d < shape.length; d++) f += index[d]! * fortranStride[d]!;
    out[c] = data[f]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
