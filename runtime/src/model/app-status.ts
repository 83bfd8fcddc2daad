import type { scaler } from '@autoserve/proto';
import { appStatusCodec } from './enums.js';

/**
 * An applications.status text: the contract's AppStatus names, lower-cased, exactly as the
 * codec stores them. Derived from the generated enum, so a new status is one .proto edit.
 */
export type AppStatusName = Lowercase<Exclude<keyof typeof scaler.AppStatus, 'UNSPECIFIED'>>;

/** Every applications.status, in enum order (the codec's list, typed). */
export const APP_STATUSES = appStatusCodec.values as readonly AppStatusName[];
