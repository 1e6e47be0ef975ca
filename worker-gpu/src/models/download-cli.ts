// Compiled entry for the container: node worker-gpu/dist/models/download-cli.js <name> [--dir /models]
import { downloadCli } from './download';

void downloadCli(process.argv.slice(2)).then((code) => process.exit(code));
