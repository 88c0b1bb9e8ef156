// Ctrl-C / SIGTERM handling for long work: the first signal runs the handler (abort training,
// close the server) and the second one exits at once, for when the clean stop hangs.

export function onInterrupt(handler: (signal: NodeJS.Signals) => void, note: (s: string) => void): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals) => {
    count += 1;
    if (count > 1) {
      note('second interrupt: exiting now without cleaning up');
      process.exit(1);
    }
    handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
