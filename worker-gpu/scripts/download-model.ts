// npm run download-model -w worker-gpu -- large-v3-turbo [--dir /models]
import { downloadCli } from '../src/models/download';

void downloadCli(process.argv.slice(2)).then((code) => process.exit(code));
