import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineSet } from './engines';
import type { Transcriber } from './transcriber';

const fake = (model: string, closed: string[] = []): Transcriber => ({
  engine: 'fake',
  model,
  gpu: false,
  transcribe: () => Promise.reject(new Error('not used')),
  close: async () => void closed.push(model),
});

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'cwn-engines-'));
  for (const m of ['small', 'medium']) writeFileSync(join(dir, `ggml-${m}.bin`), 'x');
  writeFileSync(join(dir, 'notes.txt'), 'x');
  const loads: string[] = [];
  const closed: string[] = [];
  const set = new EngineSet(fake('base'), {
    modelsDir: dir,
    load: async (path) => {
      loads.push(path);
      return fake(/ggml-(.+)\.bin$/.exec(path)![1]!, closed);
    },
  });
  return { dir, set, loads, closed };
}

describe('EngineSet', () => {
  it('announces its own model first, then those of its models folder', () => {
    expect(setUp().set.available()).toEqual(['base', 'medium', 'small']);
  });

  it('runs a job on the model it names, loaded once while in use', async () => {
    const { set, loads, dir } = setUp();
    expect((await set.acquire(null)).engine.model).toBe('base');
    expect((await set.acquire('base')).engine.model).toBe('base');
    const a = await set.acquire('small');
    const b = await set.acquire('small');
    expect([a.engine.model, b.engine.model, a.missingModel]).toEqual(['small', 'small', null]);
    expect(loads).toEqual([join(dir, 'ggml-small.bin')]);
  });

  it('closes the idle extra model to load another, never one a job still uses', async () => {
    const { set, closed } = setUp();
    const a = await set.acquire('small');
    await set.acquire('medium'); // small busy: both stay loaded
    expect(closed).toEqual([]);
    a.release();
    await set.close();
    expect(closed.sort()).toEqual(['medium', 'small']);
  });

  it('a model it lacks: the job runs on its own, the lack is said and remembered', async () => {
    const { set, loads } = setUp();
    const lease = await set.acquire('large-v3');
    expect(lease.engine.model).toBe('base');
    expect(lease.missingModel).toBe('large-v3');
    expect([...set.missing]).toEqual(['large-v3']);
    // a path, never a file outside the models folder
    expect((await set.acquire('../../secret')).missingModel).toBe('../../secret');
    expect(loads).toEqual([]);
  });
});
