/**
 * npm run bench:window -w worker-gpu -- [--model test|NAME|PATH] [--threads N] [--turns N]
 *
 * CPU seconds per audio minute: the same two-sided espeak-ng call transcribed whole (the batch
 * path: speech regions grouped into chunks of up to 28 s) and window by window (the live path: one
 * engine call per window cut at pauses). Whisper encodes a full 30 s window whatever it is given,
 * so many short windows cost more than few full chunks; this table says how much.
 *
 * The windows here are cut by the worker's energy VAD at pauses of 600 ms (the server's cutter's
 * pause, its Silero VAD being the server's), each at most 28 s: close to what the live path sends
 * to an idle worker; a busy one gets them grown (decision 1401), consecutive windows of a channel
 * joined up to 28 s, as when every window closes while its channel's previous one still waits.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkRegions, detectSpeech } from '../src/audio/vad';
import { decodeWav, SAMPLE_RATE, type DecodedAudio } from '../src/audio/wav';
import { resolveModelPath } from '../src/config';
import { WhisperCppTranscriber } from '../src/engine/whisper-cpp';
import { MODELS_DIR, TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';
import { transcribeCall } from '../src/pipeline/transcribe-call';
import { transcribeWindow } from '../src/pipeline/transcribe-window';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const LINES: Array<[0 | 1, string]> = [
  [0, 'Good morning, help desk, this is Marc speaking. How can I help you today?'],
  [1, 'Hello, since this morning my printer on the second floor shows a paper jam error.'],
  [0, 'I see. Did you already open the front cover and check the paper tray?'],
  [1, 'Yes, I removed all the paper and restarted it twice, but the error is still there.'],
  [0, 'All right, I will open a ticket and send a technician this afternoon.'],
  [1, 'Thank you very much, that would be great. Goodbye.'],
];

/** `turns` turns alternating agent (left) and caller (right), pauses of 0.8 to 2 s between. */
function syntheticCall(turns: number): DecodedAudio {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-window-bench-'));
  try {
    const voices = LINES.map(([, text], i) => {
      const raw = join(dir, `${i}.wav`);
      const out = join(dir, `${i}-16k.wav`);
      execFileSync('espeak-ng', ['-v', 'en', '-w', raw, text]);
      execFileSync('sox', [raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', out]);
      return decodeWav(readFileSync(out)).channels[0]!;
    });
    const gaps = Array.from({ length: turns }, (_, i) => SAMPLE_RATE * (0.8 + ((i * 7) % 13) / 10));
    const total = gaps.reduce((a, g, i) => a + g + voices[i % voices.length]!.length, SAMPLE_RATE);
    const ch = [new Float32Array(total), new Float32Array(total)];
    let at = 0;
    for (let i = 0; i < turns; i++) {
      at += gaps[i]!;
      const v = voices[i % voices.length]!;
      ch[LINES[i % LINES.length]![0]]!.set(v, at);
      at += v.length;
    }
    return { sampleRate: SAMPLE_RATE, channels: ch, durationMs: (total * 1000) / SAMPLE_RATE };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cpuS = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

async function main() {
  const modelArg = arg('model', 'test');
  const modelPath =
    modelArg === 'test'
      ? ensureTestModel(TEST_MODEL_PATH)
      : resolveModelPath(modelArg, process.env.MODELS_DIR ?? MODELS_DIR);
  const threads = Number(arg('threads', String(Math.min(4, cpus().length))));
  const turns = Number(arg('turns', '24'));
  const audio = syntheticCall(turns);
  const audioMin = audio.durationMs / 60_000;
  const engine = await WhisperCppTranscriber.create({ modelPath, gpu: false, contexts: 1 });
  const settings = {
    language: 'en',
    beamSize: 5,
    threads,
    temperatureInc: modelArg === 'test' ? 0 : 0.2,
    minSpeechRatio: 0.3,
    vad: true,
  };
  const rows: string[][] = [];
  const row = (mode: string, calls: number, cpu: number, wallMs: number, segs: number) =>
    rows.push([
      engine.model,
      mode,
      (audio.durationMs / 1000).toFixed(1),
      String(calls),
      String(segs),
      cpu.toFixed(2),
      (cpu / audioMin).toFixed(2),
      (wallMs / 1000).toFixed(2),
    ]);

  // whole call, as a batch upload is transcribed today
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const whole = await transcribeCall(audio, engine, { ...settings, minSpeechMs: 300 });
  const chunks = audio.channels.reduce(
    (a, pcm) => a + chunkRegions(detectSpeech(pcm, SAMPLE_RATE), 28_000).length,
    0,
  );
  row('whole call (batch)', chunks, cpuS(cpu0), performance.now() - t0, whole.segments.length);

  // the windows the live path cuts: at each pause of 600 ms, at most 28 s
  const MAX = (28_000 * SAMPLE_RATE) / 1000;
  const cut = audio.channels.map((pcm) => {
    const spans: Array<[number, number]> = [];
    for (const r of detectSpeech(pcm, SAMPLE_RATE, { minSilenceMs: 600 })) {
      for (let s = r.startMs; s < r.endMs; s += 28_000) {
        const from = Math.floor((s * SAMPLE_RATE) / 1000);
        const to = Math.min(
          pcm.length,
          Math.ceil((Math.min(r.endMs, s + 28_000) * SAMPLE_RATE) / 1000),
        );
        spans.push([from, to]);
      }
    }
    return spans;
  });
  // a busy worker (decision 1401): a channel's pauses do not close its window while the previous
  // one waits, so consecutive windows grow into one of up to 28 s (the saturated case: always busy)
  const grown = cut.map((spans) => {
    const out: Array<[number, number]> = [];
    for (const [from, to] of spans) {
      const last = out.at(-1);
      if (last && to - last[0] <= MAX) last[1] = to;
      else out.push([from, to]);
    }
    return out;
  });
  for (const [mode, windows] of [
    ['windows (live, worker idle)', cut],
    ['windows grown (live, worker busy)', grown],
  ] as const) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    let segs = 0;
    for (const [c, spans] of windows.entries()) {
      const pcm = audio.channels[c]!;
      for (const [from, to] of spans) {
        const out = await transcribeWindow(
          pcm.slice(from, to),
          SAMPLE_RATE,
          { startSample: from, speaker: c === 0 ? 'agent' : 'caller' },
          engine,
          settings,
        );
        n++;
        segs += out.segments.length;
      }
    }
    row(mode, n, cpuS(cpu0), performance.now() - t0, segs);
  }
  await engine.close();

  const head = [
    'model',
    'path',
    'audio s',
    'engine calls',
    'segs',
    'CPU s',
    'CPU s/audio min',
    'wall s',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `model ${modelPath}; CPU, ${threads} threads; synthetic espeak-ng call, ${turns} turns (${(audio.durationMs / 1000).toFixed(1)} s, both channels)`,
  );
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('CPU s = user + system of the whole process (whisper.cpp threads included).');
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
