import type { LiveChannel } from '@cwn/protocol';
import { ChannelWindower } from './channel-windower';
import type { SpeechDetector } from './speech-detector';
import type { SpeechWindow, WindowingOptions } from './window-cutter';

export interface ChannelWindow extends SpeechWindow {
  channel: LiveChannel;
}

const BYTES_PER_FRAME = 4;

/**
 * A call's interleaved stereo PCM (s16le, left agent, right caller) cut into each channel's
 * windows. Appends must hold whole stereo frames. `resume` restarts it after a restart of the
 * server: each channel's last queued window end; the PCM is then fed again from the earlier of the
 * two (`startByte`), and neither channel opens a window before its own end, so nothing is queued
 * twice and nothing between the two ends is lost.
 */
export class CallWindower {
  private readonly channels: Record<LiveChannel, ChannelWindower>;
  private readonly origin: number;

  constructor(
    detectors: Record<LiveChannel, SpeechDetector>,
    options: Partial<
      Omit<WindowingOptions, 'frameSamples' | 'originSample' | 'resumeAfterSample'>
    > = {},
    resume: Record<LiveChannel, number> = { agent: 0, caller: 0 },
  ) {
    this.origin = Math.min(resume.agent, resume.caller);
    const at = (channel: LiveChannel) => ({
      ...options,
      originSample: this.origin,
      resumeAfterSample: resume[channel],
    });
    this.channels = {
      agent: new ChannelWindower(detectors.agent, at('agent')),
      caller: new ChannelWindower(detectors.caller, at('caller')),
    };
  }

  /** Stereo frames seen, from the start of the call. */
  get frames(): number {
    return this.channels.agent.samples;
  }

  /** Byte offset in the call's PCM where the next append starts. */
  get byteOffset(): number {
    return this.frames * BYTES_PER_FRAME;
  }

  get startByte(): number {
    return this.origin * BYTES_PER_FRAME;
  }

  /**
   * The channels whose previous window still waits for its transcript: until the next call, their
   * pauses do not close windows (the cutter's `hold`, decision 1401).
   */
  holdBusy(busy: readonly LiveChannel[]): void {
    for (const c of ['agent', 'caller'] as const) this.channels[c].hold = busy.includes(c);
  }

  async append(pcm: Buffer): Promise<ChannelWindow[]> {
    if (pcm.length % BYTES_PER_FRAME !== 0) {
      throw new RangeError(
        `stereo s16 audio comes in whole frames of ${BYTES_PER_FRAME} bytes, got ${pcm.length}`,
      );
    }
    const n = pcm.length / BYTES_PER_FRAME;
    const left = new Int16Array(n);
    const right = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      left[i] = pcm.readInt16LE(i * 4);
      right[i] = pcm.readInt16LE(i * 4 + 2);
    }
    const agent = await this.channels.agent.append(left);
    const caller = await this.channels.caller.append(right);
    return ordered([...tag('agent', agent), ...tag('caller', caller)]);
  }

  async finish(): Promise<ChannelWindow[]> {
    const agent = await this.channels.agent.finish();
    const caller = await this.channels.caller.finish();
    return ordered([...tag('agent', agent), ...tag('caller', caller)]);
  }

  /** Windows dropped for too little speech, per channel (for the transcript's metadata). */
  get dropped(): Record<LiveChannel, number> {
    return {
      agent: this.channels.agent.droppedWindows.length,
      caller: this.channels.caller.droppedWindows.length,
    };
  }
}

const tag = (channel: LiveChannel, windows: SpeechWindow[]): ChannelWindow[] =>
  windows.map((w) => ({ ...w, channel }));

const ordered = (windows: ChannelWindow[]) =>
  windows.sort((a, b) => a.endSample - b.endSample || a.channel.localeCompare(b.channel));
