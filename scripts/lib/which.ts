import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The absolute path of an executable, like `command -v`: a path is checked as is, a bare name is looked up in PATH. */
export function which(name: string, searchPath = process.env['PATH'] ?? ''): string | null {
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : searchPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
  return candidates.find(isExecutableFile) ?? null;
}

export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
