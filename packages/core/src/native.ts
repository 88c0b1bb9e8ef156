// The one place that loads the addon. Everything else imports `native` from here, typed by
// @amaas/native's NativeBinding interface; a missing build surfaces as a coded AmaasError.
import type { NativeBinding } from '@amaas/native';
import { fromNative } from './errors';

function load(): NativeBinding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@amaas/native') as NativeBinding;
  } catch (err) {
    throw fromNative(err);
  }
}

export const native: NativeBinding = load();
