/* global window, RTCPeerConnection, AudioContext, Audio */
// The far end of every call: a real RTCPeerConnection on another origin (localhost) that answers
// the web client's offers (non-trickle SDP over postMessage) and sends a tone.
'use strict';
(async () => {
  const { toneHz, audioUrl } = await (await fetch('/pbx-config.json')).json();
  const audio = new AudioContext();
  const peers = new Map();

  function toneTrack() {
    if (audioUrl) {
      // Speech (or any recording) in a loop, e.g. made with espeak-ng.
      const el = new Audio(audioUrl);
      el.loop = true;
      const dest = audio.createMediaStreamDestination();
      audio.createMediaElementSource(el).connect(dest);
      void el.play();
      return dest.stream.getAudioTracks()[0];
    }
    const osc = audio.createOscillator();
    osc.frequency.value = toneHz;
    const gain = audio.createGain();
    gain.gain.value = 0.5;
    const dest = audio.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    return dest.stream.getAudioTracks()[0];
  }

  function iceComplete(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      });
    });
  }

  window.addEventListener('message', async (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    try {
      if (msg.type === 'offer') {
        await audio.resume();
        let pc = peers.get(msg.callId);
        if (!pc) {
          pc = new RTCPeerConnection({});
          peers.set(msg.callId, pc);
          pc.addTrack(toneTrack());
        }
        await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        await iceComplete(pc);
        event.source.postMessage(
          { type: 'answer', callId: msg.callId, sdp: pc.localDescription.sdp },
          event.origin,
        );
      } else if (msg.type === 'close') {
        peers.get(msg.callId)?.close();
        peers.delete(msg.callId);
      }
    } catch (err) {
      console.error('fake pbx:', err);
    }
  });
  window.parent.postMessage({ type: 'pbx-ready' }, '*');
})();
