import type { Segment, Speaker, Transcript } from '@cwn/protocol';

export type ExportFormat = 'txt' | 'json' | 'srt' | 'vtt';

export const EXPORT_MIME: Record<ExportFormat, string> = {
  txt: 'text/plain;charset=utf-8',
  json: 'application/json',
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
};

export type SpeakerNames = Record<Speaker, string>;
export const DEFAULT_SPEAKER_NAMES: SpeakerNames = {
  agent: 'Agent',
  caller: 'Caller',
  unknown: 'Speaker',
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 3723004 ms → "01:02:03" + separator + "004". */
function clock(ms: number, fractionSeparator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}${fractionSeparator}${pad(total % 1000, 3)}`;
}

/** Subtitle text must not contain a blank line (it would end the cue) nor, for VTT, "-->". */
const cueText = (text: string) =>
  text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n')
    .replace(/-->/g, '->');

const spoken = (segments: Segment[]) => segments.filter((s) => s.text.trim() !== '');

export function toTxt(segments: Segment[], names: SpeakerNames = DEFAULT_SPEAKER_NAMES): string {
  return spoken(segments)
    .map((s) => `[${clock(s.startMs, '.').slice(0, 8)}] ${names[s.speaker]}: ${s.text.trim()}`)
    .join('\n')
    .concat(segments.length ? '\n' : '');
}

export function toSrt(segments: Segment[], names: SpeakerNames = DEFAULT_SPEAKER_NAMES): string {
  return spoken(segments)
    .map(
      (s, i) =>
        `${i + 1}\n${clock(s.startMs, ',')} --> ${clock(s.endMs, ',')}\n${names[s.speaker]}: ${cueText(s.text)}\n`,
    )
    .join('\n');
}

const vttVoice = (name: string) => name.replace(/[<>&]/g, '');
const vttEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function toVtt(segments: Segment[], names: SpeakerNames = DEFAULT_SPEAKER_NAMES): string {
  const cues = spoken(segments).map(
    (s) =>
      `${clock(s.startMs, '.')} --> ${clock(s.endMs, '.')}\n<v ${vttVoice(names[s.speaker])}>${vttEscape(cueText(s.text))}\n`,
  );
  return ['WEBVTT\n', ...cues].join('\n');
}

export function toJson(transcript: Transcript): string {
  const { id, callId, language, version, status, validatedAt, segments } = transcript;
  return `${JSON.stringify({ id, callId, language, version, status, validatedAt, segments }, null, 2)}\n`;
}

export function exportTranscript(
  format: ExportFormat,
  transcript: Transcript,
  names?: SpeakerNames,
): string {
  switch (format) {
    case 'txt':
      return toTxt(transcript.segments, names);
    case 'srt':
      return toSrt(transcript.segments, names);
    case 'vtt':
      return toVtt(transcript.segments, names);
    case 'json':
      return toJson(transcript);
  }
}
