import { join } from 'node:path';

/** worker-gpu/models (gitignored): downloaded models, and test/ for the generated one. */
export const MODELS_DIR = join(__dirname, '..', '..', 'models');
export const TEST_MODEL_PATH = join(MODELS_DIR, 'test', 'ggml-test-random-v1.bin');
