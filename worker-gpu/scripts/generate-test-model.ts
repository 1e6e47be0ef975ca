// npm run generate-test-model -w worker-gpu [-- <path>]: writes the seeded random-weights model
// used by tests and the bench (default models/test/ggml-test-random-v1.bin; bump the version when the generator changes), unless already there.
import { statSync } from 'node:fs';
import { TEST_MODEL_PATH } from '../src/models/paths';
import { ensureTestModel } from '../src/models/test-model';

const path = process.argv[2] ?? TEST_MODEL_PATH;
const t0 = Date.now();
ensureTestModel(path);
console.log(`${path} (${(statSync(path).size / 1e6).toFixed(1)} MB, ${Date.now() - t0} ms)`);
