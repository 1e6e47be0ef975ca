import { resolveSettings, type ProcessorConfig } from './processor';

const config = {
  language: 'auto',
  prompt: 'env words',
  vad: true,
  temperatureInc: 0.2,
} as ProcessorConfig;
const engine = { engine: 'whisper.cpp', model: 'base' };

describe('a job’s settings over the worker’s environment', () => {
  it('takes the worker’s value for whatever the job leaves out or null', () => {
    expect(resolveSettings(config, undefined, null, engine, null)).toEqual({
      engine: 'whisper.cpp',
      model: 'base',
      missingModel: null,
      language: 'auto',
      prompt: 'env words',
      vad: true,
      vadSensitivity: 50,
      temperatureInc: 0.2,
    });
    expect(
      resolveSettings(config, { language: null, vad: null, prompt: null }, null, engine, null),
    ).toMatchObject({ language: 'auto', vad: true, prompt: 'env words' });
  });

  it('applies the job’s values; the call’s own language hint wins over both', () => {
    const s = { language: 'fr', prompt: 'VPN', vad: false, vadSensitivity: 80, temperatureInc: 0 };
    expect(resolveSettings(config, s, null, engine, 'large-v3')).toMatchObject({
      language: 'fr',
      prompt: 'VPN',
      vad: false,
      vadSensitivity: 80,
      temperatureInc: 0,
      missingModel: 'large-v3',
    });
    expect(resolveSettings(config, s, 'en', engine, null).language).toBe('en');
    expect(
      resolveSettings(config, { ...s, vocabulary: ['Marc Dupont'] }, null, engine, null).prompt,
    ).toBe('Marc Dupont. VPN');
  });

  it('a window’s prompt is built as a call’s, its channel’s text last', () => {
    const s = { language: 'fr', prompt: 'VPN', vocabulary: ['Acme'] };
    expect(resolveSettings(config, s, null, engine, null, 'earlier text')).toMatchObject({
      language: 'fr',
      prompt: 'Acme. VPN earlier text',
    });
    expect(resolveSettings(config, undefined, null, engine, null, '').prompt).toBe('env words');
    expect(resolveSettings(config, undefined, null, engine, null, 'said hello').prompt).toBe(
      'env words said hello',
    );
  });
});
