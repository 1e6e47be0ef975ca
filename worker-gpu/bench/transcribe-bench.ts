/**
 * npm run bench -w worker-gpu -- [--model test|NAME|PATH] [--audio FILE.wav] [--threads N] [--gpu] [--runs N]
 *
 * Prints a table: model, audio seconds, wall seconds, real-time factor (wall/audio) and speed
 * (audio/wall), whisper.cpp's own encode/decode ms (its bench), peak RSS. Without --audio it builds
 * a stereo call from espeak-ng speech (agent left, caller right, silence between turns).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, type DecodedAudio } from '../src/audio/wav';
import { resolveModelPath } from '../src/config';
import { WhisperCppTranscriber } from '../src/engine/whisper-cpp';
import { MODELS_DIR, TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';
import { transcribeCall } from '../src/pipeline/transcribe-call';

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

function syntheticCall(): DecodedAudio {
  const turns: Array<[string, string]> = [
    ['agent', 'Good morning, help desk, this is Marc speaking. How can I help you today?'],
    ['caller', 'Hello, since this morning my printer on the second floor shows a paper jam error.'],
    ['agent', 'I see. Did you already open the front cover and check the paper tray?'],
    [
      'caller',
      'Yes, I removed all the paper and restarted it twice, but the error is still there.',
    ],
    ['agent', 'All right, I will open a ticket and send a technician this afternoon.'],
    ['caller', 'Thank you very much, that would be great. Goodbye.'],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'cwn-bench-'));
  try {
    const rate = 16000;
    const pieces = turns.map(([, text], i) => {
      const raw = join(dir, `${i}.wav`);
      const out = join(dir, `${i}-16k.wav`);
      execFileSync('espeak-ng', ['-v', 'en', '-w', raw, text]);
      execFileSync('sox', [raw, '-r', String(rate), '-c', '1', '-b', '16', out]);
      return decodeWav(readFileSync(out)).channels[0]!;
    });
    const gap = rate; // 1 s between turns
    const total = pieces.reduce((a, p) => a + p.length + gap, gap);
    const left = new Float32Array(total);
    const right = new Float32Array(total);
    let at = gap;
    pieces.forEach((p, i) => {
      (turns[i]![0] === 'agent' ? left : right).set(p, at);
      at += p.length + gap;
    });
    return {
      sampleRate: rate,
      channels: [left, right],
      durationMs: Math.round((total * 1000) / rate),
    };
  } catch (err) {
    throw new Error(
      `cannot build the synthetic call (needs espeak-ng and sox, or pass --audio): ${(err as Error).message}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const modelArg = arg('model', 'test')!;
  const modelPath =
    modelArg === 'test'
      ? ensureTestModel(TEST_MODEL_PATH)
      : resolveModelPath(modelArg, process.env.MODELS_DIR ?? MODELS_DIR);
  const threads = Number(arg('threads', String(Math.min(4, cpus().length))));
  const runs = Number(arg('runs', '3'));
  const gpu = flag('gpu');
  const audioPath = arg('audio');
  const audio = audioPath ? decodeWav(readFileSync(audioPath)) : syntheticCall();
  const audioS = audio.durationMs / 1000;

  const tLoad = performance.now();
  const engine = await WhisperCppTranscriber.create({ modelPath, gpu, contexts: 1 });
  const loadMs = performance.now() - tLoad;
  const b = await engine.bench(threads);

  const base = {
    language: 'en',
    beamSize: 5,
    threads,
    temperatureInc: modelArg === 'test' ? 0 : 0.2,
    minSpeechMs: 300,
    minSpeechRatio: 0.3,
  };
  const rows: string[][] = [];
  const measure = async (label: string, vad: boolean, input: DecodedAudio) => {
    let best = Infinity;
    let segs = 0;
    let sentMs = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const out = await transcribeCall(input, engine, { ...base, vad });
      best = Math.min(best, performance.now() - t0);
      segs = out.segments.length;
      sentMs = out.speechMs;
    }
    const wallS = best / 1000;
    const inS = input.durationMs / 1000;
    rows.push([
      engine.model,
      label,
      inS.toFixed(1),
      (sentMs / 1000).toFixed(1),
      wallS.toFixed(3),
      (wallS / inS).toFixed(4),
      `${(inS / wallS).toFixed(1)}x`,
      String(segs),
      b.encodeMs.toFixed(1),
      b.decodeMs.toFixed(2),
      `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    ]);
  };
  await measure('call, VAD, 2 ch', true, audio);
  await measure('call, no VAD, 2 ch', false, audio);
  await measure('left ch only, no VAD', false, { ...audio, channels: [audio.channels[0]!] });
  await engine.close();

  const head = [
    'model',
    'input',
    'audio s',
    'sent s',
    'wall s',
    'RTF',
    'speed',
    'segs',
    'encode ms',
    'decode ms/tok',
    'peak RSS',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    `model ${modelPath} loaded in ${loadMs.toFixed(0)} ms; ${gpu ? 'GPU requested' : 'CPU'}, ${threads} threads, best of ${runs} runs; audio ${audioPath ?? 'synthetic espeak-ng call'} (${audioS.toFixed(1)} s)`,
  );
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    'RTF = wall / audio (lower is better); speed = audio / wall; encode/decode ms from whisper.cpp bench (one 30 s encoder pass; per-token decode).',
  );
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
