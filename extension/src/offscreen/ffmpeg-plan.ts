/**
 * The ffmpeg command that turns a call's recorder streams into one 16 kHz stereo WAV: each side
 * resampled to 16 kHz mono, delayed to its start within the call, the agent on the left and the
 * caller on the right. A side with no recorder is silence. Pure, so it is unit-tested.
 */
import type { Side } from '../shared/messages';

export interface PlanInput {
  side: Side;
  /** File name inside ffmpeg's virtual file system. */
  file: string;
  startedAt: number;
}

export interface PlanOptions {
  /** The call's time zero; default the earliest input's start. */
  t0?: number;
  /**
   * A live batch: these sides are still being recorded, so they are not padded and the output
   * ends where the shortest of them ends (what is decoded so far); no `-t` when `durationMs` is null.
   */
  openSides?: readonly Side[];
  /** `wav` (the whole-call upload) or raw `s16le` PCM (the live stream). */
  format?: 'wav' | 's16le';
}

export function ffmpegArgs(
  inputs: PlanInput[],
  durationMs: number | null,
  output: string,
  options: PlanOptions = {},
): string[] {
  const t0 = options.t0 ?? Math.min(...inputs.map((i) => i.startedAt));
  const open = new Set(options.openSides ?? []);
  const args: string[] = [];
  const filters: string[] = [];
  const sideLabel = (side: Side): string => {
    const mine = inputs
      .map((input, index) => ({ input, index }))
      .filter(({ input }) => input.side === side);
    if (mine.length === 0) {
      filters.push(`anullsrc=r=16000:cl=mono[${side}]`);
      return side;
    }
    const labels = mine.map(({ input, index }) => {
      const delay = Math.max(0, input.startedAt - t0);
      filters.push(
        `[${index}:a]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono,adelay=delays=${delay}:all=1[${side}${index}]`,
      );
      return `[${side}${index}]`;
    });
    // amerge needs each input's channel layout stated again after the padding.
    const pad = open.has(side)
      ? 'aformat=sample_fmts=s16:channel_layouts=mono'
      : 'apad,aformat=sample_fmts=s16:channel_layouts=mono';
    if (labels.length === 1) filters.push(`${labels[0]}${pad}[${side}]`);
    else filters.push(`${labels.join('')}amix=inputs=${labels.length}:normalize=0,${pad}[${side}]`);
    return side;
  };
  for (const input of inputs) args.push('-i', input.file);
  const left = sideLabel('agent');
  const right = sideLabel('caller');
  filters.push(`[${left}][${right}]amerge=inputs=2[out]`);
  args.push(
    '-filter_complex',
    filters.join(';'),
    '-map',
    '[out]',
    ...(durationMs === null ? [] : ['-t', (Math.max(durationMs, 100) / 1000).toFixed(3)]),
    '-ar',
    '16000',
    '-ac',
    '2',
    '-c:a',
    'pcm_s16le',
    '-f',
    options.format ?? 'wav',
    output,
  );
  return args;
}
