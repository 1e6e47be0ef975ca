/**
 * What cutting a call into windows costs: CPU seconds per minute of audio per channel for the
 * Silero detector (with our session options, and with onnxruntime's defaults as the baseline) and
 * the energy fallback, on espeak-ng speech with pauses, in one run.
 *
 *   npx tsx server/bench/vad-bench.ts [minutes=5]
 */
import { ChannelWindower } from '../src/live/windowing/channel-windower';
import {
  EnergyDetector,
  SileroDetector,
  type SpeechDetector,
} from '../src/live/windowing/speech-detector';
import { speak } from '../src/live/windowing/speech.fixture';

const MINUTES = Number(process.argv[2] ?? 5);
const RATE = 16000;

function call(minutes: number): Int16Array {
  const phrases = [
    speak('Hello, I have a problem with my printer since this morning.'),
    speak('Can you restart it and tell me what the screen shows?'),
    speak('It says paper jam in tray two, but there is no paper inside.'),
  ];
  const out = new Int16Array(minutes * 60 * RATE);
  let at = RATE;
  for (let i = 0; at < out.length; i++) {
    const p = phrases[i % phrases.length]!;
    out.set(p.subarray(0, Math.min(p.length, out.length - at)), at);
    at += p.length + RATE * (0.5 + (i % 4) * 0.5);
  }
  return out;
}

async function measure(name: string, detector: SpeechDetector, pcm: Int16Array) {
  const windower = new ChannelWindower(detector);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let windows = 0;
  for (let off = 0; off < pcm.length; off += RATE)
    windows += (await windower.append(pcm.subarray(off, off + RATE))).length;
  windows += (await windower.finish()).length;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await detector.close();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { name, windows, wallMs, cpuPerMinute: cpuS / (pcm.length / RATE / 60) };
}

async function main() {
  const pcm = call(MINUTES);
  const rows = [
    await measure('energy', new EnergyDetector(), pcm),
    await measure('silero, onnxruntime defaults', await SileroDetector.create({}), pcm),
    await measure('silero (1 thread, no spinning)', await SileroDetector.create(), pcm),
  ];
  const base = rows[0]!.cpuPerMinute;
  console.log(`VAD windowing, ${MINUTES} min of one channel, appended 1 s at a time`);
  console.log('| detector | windows | wall ms | CPU s per audio minute | × energy |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.windows} | ${r.wallMs.toFixed(0)} | ${r.cpuPerMinute.toFixed(3)} | ${(r.cpuPerMinute / base).toFixed(1)} |`,
    );
  }
}

void main();
