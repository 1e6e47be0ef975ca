/** Names of the one-time handshake on window.postMessage that hands the hook its private port. */
export const HOOK_READY = 'cwn-hook-ready';
export const PORT_OFFER = 'cwn-port';

/** Direction of the first audio media section, or of the session when the section has none. */
export function audioDirection(sdp: string | undefined): string | null {
  if (!sdp) return null;
  const lines = sdp.split(/\r?\n/);
  let sessionDirection: string | null = null;
  let inAudio = false;
  let seenMedia = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (seenMedia && inAudio) break;
      seenMedia = true;
      inAudio = line.startsWith('m=audio');
      continue;
    }
    const m = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line.trim());
    if (!m) continue;
    if (!seenMedia) sessionDirection = m[1] as string;
    else if (inAudio) return m[1] as string;
  }
  return sessionDirection ?? (seenMedia ? 'sendrecv' : null);
}

/** A call is on hold when either side's current description stops sending both ways. */
export function sdpHoldState(localSdp: string | undefined, remoteSdp: string | undefined): boolean {
  const held = (d: string | null) => d === 'sendonly' || d === 'recvonly' || d === 'inactive';
  return held(audioDirection(localSdp)) || held(audioDirection(remoteSdp));
}
