/** Prints an app's events as the Scaler commits them, until aborted. */
import { common, type ServiceClient, type scaler } from '@autoserve/proto';
import { timestampDate } from '@bufbuild/protobuf/wkt';

type Scaler = ServiceClient<typeof scaler.ScalerService>;

export async function watchEvents(
  client: Scaler,
  app: string,
  signal: AbortSignal,
  print: (line: string) => void,
  scaling: common.Event[] = [],
): Promise<void> {
  try {
    for await (const { event } of client.watchEvents({ appName: app }, { signal, timeoutMs: 0 })) {
      if (!event) continue;
      if (event.type === common.EventType.SCALING) scaling.push(event);
      const at = event.time ? timestampDate(event.time).toISOString().slice(11, 19) : '';
      const type = (common.EventType[event.type] ?? '?').toLowerCase();
      const reasons = event.details?.reasons;
      const why =
        Array.isArray(reasons) && reasons.length ? `  because: ${reasons.join('; ')}` : '';
      print(`  >> ${at} ${type.padEnd(11)} ${event.message}${why}`);
    }
  } catch (err) {
    if (!signal.aborted) print(`  >> event stream ended: ${(err as Error).message}`);
  }
}
