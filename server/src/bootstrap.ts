import { ConfigError, loadConfig, type Config } from './config';

/** Loads the configuration or stops the process with a message naming every bad variable. */
export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`server: ${err.message}\nSee server/README.md for every variable.`);
      process.exit(1);
    }
    throw err;
  }
}
