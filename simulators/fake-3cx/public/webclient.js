/* global window, document, localStorage, navigator, WebSocket, RTCPeerConnection, TextDecoder, URLSearchParams, location */
// The agent's side of the fake 3CX web client: the MyPhone session, the push WebSocket (decoded
// with a small protobuf reader, as the real client does with protobufjs), and per call a real
// RTCPeerConnection with the microphone, negotiated with the far end in the cross-origin iframe.
'use strict';
(async () => {
  const route = () => (document.getElementById('route').textContent = location.hash);
  window.addEventListener('hashchange', route);
  route();

  const provision = await (await fetch('/webclient/provision.json')).json();
  localStorage.setItem('wc.provision', JSON.stringify(provision));
  localStorage.setItem('wc.version', '20.0.fake');

  const pbxOrigin = `http://localhost:${location.port}`;
  const pbx = document.getElementById('pbx');
  const pbxReady = new Promise((resolve) => {
    window.addEventListener(
      'message',
      (e) => e.origin === pbxOrigin && e.data?.type === 'pbx-ready' && resolve(),
    );
  });
  pbx.src = `${pbxOrigin}/pbx.html`;
  await pbxReady;

  // --- protobuf reading (varints and length-delimited fields are all the frames use) ---
  function readFields(bytes) {
    const fields = [];
    let pos = 0;
    const varint = () => {
      let result = 0;
      let mul = 1;
      for (;;) {
        const b = bytes[pos++];
        result += (b & 0x7f) * mul;
        if (b < 0x80) return result;
        mul *= 128;
      }
    };
    while (pos < bytes.length) {
      const key = varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) fields.push({ field, value: varint() });
      else if (wire === 2) {
        const len = varint();
        fields.push({ field, value: bytes.subarray(pos, pos + len) });
        pos += len;
      } else throw new Error(`unsupported wire type ${wire}`);
    }
    return fields;
  }
  const first = (fields, n) => fields.find((f) => f.field === n)?.value;
  const text = (v) => (v ? new TextDecoder().decode(v) : '');

  // --- calls ---
  const calls = new Map();
  const list = document.getElementById('calls');

  async function agentRequest(action, connectionId) {
    await fetch('/MyPhone/MPWebService.asmx', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', MyPhoneSession: session.sessionKey },
      body: JSON.stringify({ action, connectionId }),
    });
  }

  function iceComplete(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      pc.addEventListener(
        'icegatheringstatechange',
        () => pc.iceGatheringState === 'complete' && resolve(),
      );
    });
  }

  const pendingAnswers = new Map();
  window.addEventListener('message', (e) => {
    if (e.origin !== pbxOrigin || e.data?.type !== 'answer') return;
    pendingAnswers.get(e.data.callId)?.(e.data.sdp);
    pendingAnswers.delete(e.data.callId);
  });

  async function negotiate(call) {
    const pc = call.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await iceComplete(pc);
    const answer = new Promise((resolve) => pendingAnswers.set(call.id, resolve));
    pbx.contentWindow.postMessage(
      { type: 'offer', callId: call.id, sdp: pc.localDescription.sdp },
      pbxOrigin,
    );
    await pc.setRemoteDescription({ type: 'answer', sdp: await answer });
  }

  // `?pc=iframe`: peer connections come from a pristine about:blank frame, out of reach of a
  // page-level hook (how a future web client could evade it; the extension's tab-capture fallback).
  const isolatedPc = new URLSearchParams(location.search).get('pc') === 'iframe';
  const noPush = new URLSearchParams(location.search).get('push') === 'none';
  function peerConnectionClass() {
    if (!isolatedPc) return RTCPeerConnection;
    const frame = document.createElement('iframe');
    frame.style.display = 'none';
    document.body.appendChild(frame);
    return frame.contentWindow.RTCPeerConnection;
  }

  async function startMedia(call) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const PeerConnection = peerConnectionClass();
    const pc = new PeerConnection({});
    call.pc = pc;
    call.stream = stream;
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.ontrack = (e) => {
      call.audio = document.createElement('audio');
      call.audio.autoplay = true;
      call.audio.srcObject = e.streams[0] ?? null;
      if (!e.streams[0]) call.audio.srcObject = new window.MediaStream([e.track]);
      document.body.appendChild(call.audio);
    };
    await negotiate(call);
  }

  async function setHold(call, held) {
    for (const t of call.pc.getTransceivers()) t.direction = held ? 'sendonly' : 'sendrecv';
    await negotiate(call);
    // The push frames carry no hold flag (none is known): the page remembers its own hold.
    call.held = held;
    await agentRequest(held ? 'hold' : 'resume', call.id);
  }

  // A device change: the new microphone replaces the old one on the same sender.
  async function switchMicrophone(call) {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const sender = call.pc.getSenders().find((s) => s.track && s.track.kind === 'audio');
    const old = sender.track;
    await sender.replaceTrack(stream.getAudioTracks()[0]);
    old.stop();
    call.stream = stream;
  }

  function stopMedia(call) {
    call.pc?.close();
    call.stream?.getTracks().forEach((t) => t.stop());
    call.audio?.remove();
    pbx.contentWindow.postMessage({ type: 'close', callId: call.id }, pbxOrigin);
  }

  function button(label, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = `btn-${label.toLowerCase().replace(/\s+/g, '-')}`;
    b.addEventListener('click', () => onClick().catch((err) => console.error('fake 3cx:', err)));
    return b;
  }

  function render(call) {
    let li = document.getElementById(`call-${call.id}`);
    if (!li) {
      li = document.createElement('li');
      li.id = `call-${call.id}`;
      list.appendChild(li);
    }
    li.dataset.state = call.state;
    li.className = 'call-view';
    li.replaceChildren();
    // The call's label for screen readers, as Angular Material's cdk-visually-hidden does.
    const label = document.createElement('span');
    label.className = 'cdk-visually-hidden';
    label.style.cssText =
      'position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)';
    label.textContent = call.incoming ? 'Incoming call' : 'Outgoing call';
    li.append(label);
    const title = document.createElement('span');
    title.className = 'remote-display-title';
    title.textContent = call.name;
    const subtitle = document.createElement('span');
    subtitle.className = 'remote-display-subtitle';
    subtitle.textContent = noPush
      ? ` ${call.number} `
      : ` ${call.number} (${call.incoming ? 'incoming' : 'outgoing'}, ${call.state}) `;
    li.append(title, subtitle);
    if (call.state === 'ringing') {
      li.append(
        button('Answer', async () => {
          await startMedia(call);
          await agentRequest('answer', call.id);
        }),
      );
    }
    if (call.state === 'connected') li.append(button('Hold', () => setHold(call, true)));
    if (call.state === 'connected' && call.pc)
      li.append(button('Switch microphone', () => switchMicrophone(call)));
    if (call.state === 'held') li.append(button('Resume', () => setHold(call, false)));
    if (call.state !== 'ended') {
      li.append(
        button('Hang up', async () => {
          stopMedia(call);
          await agentRequest('hangup', call.id);
        }),
      );
    }
  }

  function onConnection(c) {
    const id = first(c, 2);
    const action = first(c, 1);
    const state = first(c, 5);
    let call = calls.get(id);
    if (action === 4) {
      if (call) {
        stopMedia(call);
        call.state = 'ended';
        render(call);
        calls.delete(id);
      }
      return;
    }
    if (!call) {
      call = {
        id,
        name: text(first(c, 10)),
        number: text(first(c, 11)),
        incoming: first(c, 12) === 1,
        state: 'ringing',
      };
      calls.set(id, call);
    }
    const next =
      state === 1 ? 'ringing' : state === 2 ? 'dialing' : call.held ? 'held' : 'connected';
    call.state = next;
    render(call);
    if (next === 'dialing' && !call.mediaStarting) {
      call.mediaStarting = true;
      // Outgoing call: media starts while dialing; the far end "answers" when it is up.
      startMedia(call)
        .then(() => agentRequest('answer', call.id))
        .catch((err) => console.error('fake 3cx:', err));
    }
  }

  function onFrame(bytes) {
    const message = readFields(bytes);
    if (first(message, 1) !== 201) return;
    const info = readFields(first(message, 201));
    const lists = info.filter((f) => f.field === 18 || f.field === 20);
    for (const l of lists) {
      for (const item of readFields(l.value).filter((f) => f.field === 2))
        onConnection(readFields(item.value));
    }
  }

  // --- MyPhone session and push socket ---
  const session = await (await fetch('/webclient/api/MyPhone/session', { method: 'POST' })).json();
  const pushState = document.getElementById('push-state');
  if (noPush) {
    // `?push=none`: no /ws/webclient socket at all; the page learns its calls over plain HTTP
    // (out of the extension's sight), so they exist only in its DOM, the call view.
    pushState.dataset.state = 'none';
    pushState.textContent = 'push: none (calls in the call view only)';
    const poll = async () => {
      const current = await (await fetch('/control/calls')).json();
      const seen = new Set();
      for (const c of current) {
        seen.add(c.connectionId);
        let call = calls.get(c.connectionId);
        if (!call) {
          call = {
            id: c.connectionId,
            name: c.name,
            number: c.number,
            incoming: c.direction === 'inbound',
            state: c.state,
          };
          calls.set(call.id, call);
        }
        const next = c.state === 'held' ? 'held' : c.state;
        if (next !== call.state || !document.getElementById(`call-${call.id}`)) {
          call.state = next;
          render(call);
        }
        if (next === 'dialing' && !call.mediaStarting) {
          call.mediaStarting = true;
          startMedia(call)
            .then(() => agentRequest('answer', call.id))
            .catch((err) => console.error('fake 3cx:', err));
        }
      }
      for (const [id, call] of calls) {
        if (seen.has(id)) continue;
        stopMedia(call);
        call.state = 'ended';
        render(call);
        calls.delete(id);
      }
    };
    const loop = () =>
      poll()
        .catch((err) => console.error('fake 3cx: poll', err))
        .finally(() => setTimeout(loop, 250));
    loop();
    return;
  }
  const ws = new WebSocket(
    `ws://${location.host}/ws/webclient?sessionId=${encodeURIComponent(session.sessionKey)}&pass=${encodeURIComponent(session.pass)}`,
  );
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') {
      if (e.data === 'START') {
        pushState.dataset.state = 'open';
        pushState.textContent = 'push: open';
      }
      return;
    }
    try {
      onFrame(new Uint8Array(e.data));
    } catch (err) {
      console.error('fake 3cx: bad frame', err);
    }
  };
  ws.onclose = () => {
    pushState.dataset.state = 'closed';
    pushState.textContent = 'push: closed';
  };
})();
