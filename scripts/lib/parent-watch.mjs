/**
 * Preloaded into the services that `npm start` spawns (node --import): when
 * the starter dies without stopping them (kill -9, a closed terminal), the
 * child is re-parented, notices within half a second and exits, so a killed
 * starter leaves no server behind. It exits at once rather than draining:
 * its log pipe is gone, and a graceful stop that logs into it was seen to
 * block forever; nobody is left to receive the answers anyway.
 */
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}, 500);
timer.unref();
