/** One MediaRecorder on one track, 1 s slices, chunks delivered in order with their sequence number. */
export interface TrackRecorderEvents {
  started(mimeType: string): void;
  chunk(seq: number, at: number, data: ArrayBuffer): void;
  stopped(chunks: number): void;
}

export function recordTrack(track: MediaStreamTrack, on: TrackRecorderEvents): MediaRecorder {
  const mimeType = MediaRecorder.isTypeSupported('audio/webm;codecs=opus')
    ? 'audio/webm;codecs=opus'
    : '';
  const recorder = new MediaRecorder(new MediaStream([track]), mimeType ? { mimeType } : undefined);
  let seq = 0;
  let chain: Promise<void> = Promise.resolve();
  recorder.addEventListener('dataavailable', (e: BlobEvent) => {
    if (e.data.size === 0) return;
    const mine = seq++;
    const at = Date.now();
    chain = chain.then(async () => on.chunk(mine, at, await e.data.arrayBuffer()));
  });
  recorder.addEventListener('stop', () => {
    chain = chain.then(() => on.stopped(seq));
  });
  recorder.start(1000);
  on.started(recorder.mimeType);
  return recorder;
}
