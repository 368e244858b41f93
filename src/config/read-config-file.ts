import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** A config file that could not be read or parsed; the message names the file and the problem. */
export class ConfigFileError extends Error {
  constructor(path: string, problem: string) {
    super(`config file ${path}: ${problem}`);
    this.name = 'ConfigFileError';
  }
}

/** Reads a YAML (or JSON, which is YAML) config file into a plain value, for a schema to validate. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigFileError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message);
  }
  try {
    return parse(text, { maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new ConfigFileError(path, (e as Error).message.split('\n')[0] ?? 'not valid YAML');
  }
}
