// The one error hierarchy of AMaaS: every error carries a stable string `code`.
// Native errors arrive as plain Errors with a code and are re-thrown as these classes by
// `fromNative`; nothing here knows about HTTP (the server maps codes to statuses).

import type { NativeErrorCode } from '@amaas/native';

/** The engine's codes (native/lib/index.d.ts, one list) plus those raised in TypeScript. */
export type ErrorCode =
  | NativeErrorCode
  | 'NATIVE_NOT_BUILT'
  | 'DISPOSED'
  | 'INVALID_DATA'
  | 'DATASET_MISSING'
  | 'NOT_FITTED'
  | 'CANCELLED'
  | 'INVALID_MODEL_FILE'
  | 'NOT_FOUND'
  | 'CONFLICT';

export class AmaasError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A value outside its domain: negative size, NaN, unknown option. */
export class ArgumentError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Shapes or strides that do not fit together. */
export class ShapeError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SHAPE_MISMATCH', message, options);
  }
}

/** A value of the wrong type (a Float64Array where a Float32Array is needed, ...). */
export class TypeMismatchError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_TYPE', message, options);
  }
}

/** An object in use by a running operation (a tensor written by an async call). */
export class BusyError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RESOURCE_BUSY', message, options);
  }
}

/** Used after dispose(). */
export class DisposedError extends AmaasError {
  constructor(message: string) {
    super('DISPOSED', message);
  }
}

/** Input data that cannot be used as is: ragged CSV rows, non-numeric cells, NaN features,
 *  label/feature count mismatches, empty datasets. The message names the line/column/row. */
export class DataError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_DATA', message, options);
  }
}

/** A packaged dataset whose source is not installed; the message says how to install it. */
export class DatasetMissingError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATASET_MISSING', message, options);
  }
}

/** A model, scaler or encoder used before fit(). */
export class NotFittedError extends AmaasError {
  constructor(message: string) {
    super('NOT_FITTED', message);
  }
}

/** Work stopped by an AbortSignal; the message says what was kept. */
export class CancelledError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CANCELLED', message, options);
  }
}

/** A model file that is truncated, inconsistent or hostile; the message names the problem. */
export class ModelFileError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_MODEL_FILE', message, options);
  }
}

/** A model, version or alias that does not exist. */
export class NotFoundError extends AmaasError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A change that contradicts the current state: a taken version number, deleting an aliased version. */
export class ConflictError extends AmaasError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** A capability this machine lacks (an ISA level, a GPU). */
export class UnavailableError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

export class OutOfMemoryError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OUT_OF_MEMORY', message, options);
  }
}

export class InternalError extends AmaasError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
  }
}

const byCode: Record<string, new (message: string, options?: { cause?: unknown }) => AmaasError> = {
  INVALID_ARGUMENT: ArgumentError,
  SHAPE_MISMATCH: ShapeError,
  INVALID_TYPE: TypeMismatchError,
  RESOURCE_BUSY: BusyError,
  UNAVAILABLE: UnavailableError,
  OUT_OF_MEMORY: OutOfMemoryError,
  INTERNAL: InternalError,
  INVALID_DATA: DataError,
  NOT_FITTED: NotFittedError as unknown as new (message: string, options?: { cause?: unknown }) => AmaasError,
  CANCELLED: CancelledError,
  INVALID_MODEL_FILE: ModelFileError,
};

/** Converts an error thrown by the addon into the matching AmaasError subclass. */
export function fromNative(err: unknown): AmaasError {
  if (err instanceof AmaasError) return err;
  // Not `instanceof Error`: the addon creates errors in the main realm, which differs from a
  // vm context's (jest, REPL sandboxes), so test the shape instead.
  if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
    const code = (err as Error & { code?: unknown }).code;
    const Cls = typeof code === 'string' ? byCode[code] : undefined;
    const message = (err as Error).message;
    if (Cls) return new Cls(message, { cause: err });
    if (code === 'NATIVE_NOT_BUILT') return new AmaasError('NATIVE_NOT_BUILT', message, { cause: err });
    return new InternalError(`native engine error: ${(err as Error).message}`, { cause: err });
  }
  return new InternalError(`native engine error: ${String(err)}`);
}

/** Runs a native call, rethrowing its error as the matching AmaasError (see fromNative). */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err);
  }
}
