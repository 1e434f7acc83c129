import { promises as fs } from 'node:fs';

/** Whether a file or folder is there. */
export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Writes a file whole or not at all: readers (a retry, a player) never see half of it. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await fs.writeFile(temporary, text);
  await fs.rename(temporary, file);
}
