// The KServe V2 tensor datatypes: element size and the values each may hold. Every request
// element is checked against this table before it reaches a model; our models take numbers as
// float32 (any numeric type or BOOL converts) and text as BYTES.
// Not here: request structure (v2.ts) or the binary layout (v2-binary.ts).

export type V2Datatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

interface DatatypeSpec {
  /** bytes per element in the binary extension (0: BYTES, length-prefixed) */
  size: number;
  /** the JSON values this datatype admits */
  accepts(v: unknown): boolean;
  /** what `accepts` wants, for messages */
  describe: string;
}

const int = (min: number, max: number): ((v: unknown) => boolean) => (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const float = (max: number): ((v: unknown) => boolean) => (v) => typeof v === 'number' && Math.abs(v) <= max;

export const DATATYPES: Readonly<Record<V2Datatype, DatatypeSpec>> = {
  BOOL: { size: 1, accepts: (v) => typeof v === 'boolean', describe: 'true or false' },
  UINT8: { size: 1, accepts: int(0, 255), describe: 'an integer in [0, 255]' },
  UINT16: { size: 2, accepts: int(0, 65535), describe: 'an integer in [0, 65535]' },
  UINT32: { size: 4, accepts: int(0, 4294967295), describe: 'an integer in [0, 4294967295]' },
  // JSON numbers are doubles: 64-bit integers are exact only within ±2^53.
  UINT64: { size: 8, accepts: int(0, Number.MAX_SAFE_INTEGER), describe: 'an integer in [0, 2^53)' },
  INT8: { size: 1, accepts: int(-128, 127), describe: 'an integer in [-128, 127]' },
  INT16: { size: 2, accepts: int(-32768, 32767), describe: 'an integer in [-32768, 32767]' },
  INT32: { size: 4, accepts: int(-2147483648, 2147483647), describe: 'an integer in [-2^31, 2^31)' },
  INT64: { size: 8, accepts: int(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), describe: 'an integer in (-2^53, 2^53)' },
  FP16: { size: 2, accepts: float(65504), describe: 'a number within ±65504' },
  FP32: { size: 4, accepts: float(3.4028234663852886e38), describe: 'a number within ±3.4e38' },
  FP64: { size: 8, accepts: (v) => typeof v === 'number', describe: 'a number' },
  BYTES: { size: 0, accepts: (v) => typeof v === 'string', describe: 'a string' },
};

export const DATATYPE_NAMES = Object.keys(DATATYPES) as V2Datatype[];

export function isDatatype(s: string): s is V2Datatype {
  return Object.prototype.hasOwnProperty.call(DATATYPES, s);
}

/** The V2 datatype of a model-file signature dtype ('string' -> BYTES, F32 -> FP32, ...). */
export function datatypeOfDtype(dtype: string): V2Datatype {
  const map: Record<string, V2Datatype> = {
    string: 'BYTES', F16: 'FP16', F32: 'FP32', F64: 'FP64', BF16: 'FP32', BOOL: 'BOOL',
    U8: 'UINT8', U16: 'UINT16', U32: 'UINT32', U64: 'UINT64', I8: 'INT8', I16: 'INT16', I32: 'INT32', I64: 'INT64',
  };
  return map[dtype] ?? 'FP32';
}

/** IEEE 754 half -> number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
