import { ffmpegArgs } from './ffmpeg-plan';

describe('ffmpegArgs', () => {
  it('puts the agent left and the caller right, each delayed to its start, 16 kHz s16 stereo', () => {
    const args = ffmpegArgs(
      [
        { side: 'caller', file: 'in0.webm', startedAt: 1250 },
        { side: 'agent', file: 'in1.webm', startedAt: 1000 },
      ],
      5000,
      'out.wav',
    );
    expect(args.slice(0, 4)).toEqual(['-i', 'in0.webm', '-i', 'in1.webm']);
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain(
      '[1:a]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono,adelay=delays=0:all=1[agent1]',
    );
    expect(graph).toContain(
      '[0:a]aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono,adelay=delays=250:all=1[caller0]',
    );
    expect(graph.endsWith('[agent][caller]amerge=inputs=2[out]')).toBe(true);
    expect(args.slice(args.indexOf('-t'), args.indexOf('-t') + 2)).toEqual(['-t', '5.000']);
    expect(args.slice(-9)).toEqual([
      '-ar',
      '16000',
      '-ac',
      '2',
      '-c:a',
      'pcm_s16le',
      '-f',
      'wav',
      'out.wav',
    ]);
  });

  it('fills a missing side with silence and mixes several segments of one side', () => {
    const graph = ffmpegArgs(
      [
        { side: 'agent', file: 'a.webm', startedAt: 0 },
        { side: 'agent', file: 'b.webm', startedAt: 3000 },
      ],
      6000,
      'o.wav',
    )[5]!;
    expect(graph).toContain('anullsrc=r=16000:cl=mono[caller]');
    expect(graph).toContain('[agent0][agent1]amix=inputs=2:normalize=0');
    expect(graph).toContain('adelay=delays=3000:all=1[agent1]');
  });
});
