import * as grpc from '@grpc/grpc-js';

/**
 * A unary caller that sends pre-encoded request bytes with grpc-js, so the
 * load generator spends almost no CPU on protobuf (like h2load with a frame
 * file) and the measured cost is the server's. Rejects on a non-OK status,
 * so errors are counted, not mistaken for fast answers.
 */
export function rawUnary(port: number, path: string, token: string) {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
  });
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const identity = (b: Buffer) => b;
  return {
    call(body: Buffer): Promise<Buffer> {
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(path, identity, identity, body, metadata, (err, res) =>
          err ? reject(err) : resolve(res as Buffer),
        );
      });
    },
    close() {
      client.close();
    },
  };
}
