/** Bearer token of the transport bench's servers (loopback only). */
export const TRANSPORT_BENCH_TOKEN = 'bench-writer-token-0123456789';
