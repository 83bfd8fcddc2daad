/**
 * Raw grpc-js calls with identity (de)serializers, so any bytes can be
 * sent as a request frame, for every method kind: unary; server streams
 * read in part then cancelled, or never read; client and bidi streams with
 * 0, 1 or many frames, half-closed or cancelled mid-stream.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Rng } from '../../test/support/protobuf-fuzz.js';

export type MethodKind = 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';

export interface CallResult {
  code: number;
  details: string;
  /** The fuzzer cancelled the call itself: a CANCELLED status is expected, not a finding. */
  cancelledByUs: boolean;
}

const id = (b: Buffer) => b;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function rawCall(
  client: grpc.Client,
  kind: MethodKind,
  path: string,
  frames: () => Buffer,
  md: grpc.Metadata,
  rnd: Rng,
  deadlineMs: number,
): Promise<CallResult> {
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve) => {
    let cancelledByUs = false;
    let settled = false;
    const done = (err: grpc.ServiceError | null | { code: number; details: string }) => {
      if (settled) return;
      settled = true;
      resolve({ code: err?.code ?? 0, details: err?.details ?? '', cancelledByUs });
    };
    const onStatus = (s: grpc.StatusObject) => done(s.code === 0 ? null : s);
    if (kind === 'unary') {
      client.makeUnaryRequest(path, id, id, frames(), md, { deadline }, (err) => done(err));
      return;
    }
    if (kind === 'server_streaming') {
      const call = client.makeServerStreamRequest(path, id, id, frames(), md, { deadline });
      const mode = rnd.int(3);
      let read = 0;
      const limit = 1 + rnd.int(5);
      call.on('data', () => {
        read++;
        if (mode === 0 && read >= limit) {
          cancelledByUs = true;
          call.cancel();
        }
      });
      call.on('error', () => {});
      call.on('status', onStatus);
      if (mode === 1) {
        // Never read: the server must not buffer without bound or hang its shutdown.
        call.pause();
        void sleep(100 + rnd.int(400)).then(() => {
          cancelledByUs = true;
          call.cancel();
        });
      }
      return;
    }
    const n = rnd.pick([0, 1, 2 + rnd.int(20)]);
    const cancelAt = rnd.chance(0.25) ? rnd.int(n + 1) : -1;
    const write = async (
      call: grpc.ClientWritableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>,
    ) => {
      for (let i = 0; i < n && !settled; i++) {
        if (i === cancelAt) {
          cancelledByUs = true;
          call.cancel();
          return;
        }
        if (!call.write(frames())) await new Promise((r) => call.once('drain', r));
      }
      if (cancelAt === n) {
        cancelledByUs = true;
        call.cancel();
      } else call.end();
    };
    if (kind === 'client_streaming') {
      const call = client.makeClientStreamRequest(path, id, id, md, { deadline }, (err) =>
        done(err),
      );
      call.on('error', () => {});
      void write(call);
      return;
    }
    const call = client.makeBidiStreamRequest(path, id, id, md, { deadline });
    call.on('data', () => {});
    call.on('error', () => {});
    call.on('status', onStatus);
    void write(call);
  });
}
