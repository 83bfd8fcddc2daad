/** Serving status of `service` ("" = the whole server) at host:port; rejects with the gRPC error. */
export function checkHealth(
  address: string,
  options?: { service?: string; timeoutMs?: number; tls?: boolean; caFile?: string },
): Promise<string>;
