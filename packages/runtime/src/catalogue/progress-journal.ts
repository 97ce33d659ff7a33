/**
 * The record of what a `mule embed` run has done, appended one JSON line per file as results are
 * committed: `{"file", "status": "ok", "end", ...}` or `{"file", "status": "failed", "error"}`.
 * `end` is the output's committed length after this file (rows of a .npy, bytes of a .jsonl), so
 * `--resume` can cut off anything written after the last journaled file. The last line may be
 * torn by a crash; it is ignored.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { MuleError } from '@mule-ts/core';

export interface JournalOk {
  file: string;
  status: 'ok';
  end: number;
  slices: number;
  seconds: number;
  /** What the user should know about this file's audio (e.g. shorter than its header says). */
  warnings?: string[];
}

export interface JournalFailed {
  file: string;
  status: 'failed';
  error: string;
}

export type JournalEntry = JournalOk | JournalFailed;

export class ProgressJournal {
  private constructor(
    readonly path: string,
    readonly entries: JournalEntry[],
  ) {}

  /** Opens the journal: read back (resume) or started empty. */
  static async open(path: string, resume: boolean): Promise<ProgressJournal> {
    if (!resume) {
      await writeFile(path, '');
      return new ProgressJournal(path, []);
    }
    const text = await readFile(path, 'utf8').catch(() => '');
    const entries: JournalEntry[] = [];
    let validBytes = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as JournalEntry);
        validBytes += Buffer.byteLength(line, 'utf8') + 1;
      } catch {
        break; // a torn last line
      }
    }
    const journal = new ProgressJournal(path, entries);
    await writeFile(path, text.slice(0, validBytes)); // drop a torn tail so appends start on a fresh line
    return journal;
  }

  /** The files whose latest entry is ok. */
  doneFiles(): Set<string> {
    return new Set([...this.latest().values()].filter((e) => e.status === 'ok').map((e) => e.file));
  }

  /** The committed output length: `end` of the last ok entry (0 when none). */
  committedEnd(): number {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.status === 'ok') return e.end;
    }
    return 0;
  }

  /** The ok entries in output order and the files whose latest outcome is a failure. */
  summary(): { ok: JournalOk[]; failed: JournalFailed[] } {
    const latest = this.latest();
    const ok = this.entries.filter((e): e is JournalOk => e.status === 'ok');
    const failed = [...latest.values()].filter((e): e is JournalFailed => e.status === 'failed');
    return { ok, failed };
  }

  /**
   * The ok entries' `end` must count the outputs one by one ('counting': rows of a .npy, files of a
   * directory) or grow ('increasing': bytes of a .jsonl); anything else means two writers or an edit.
   */
  checkConsistent(rule: 'counting' | 'increasing'): void {
    const ok = this.entries.filter((e): e is JournalOk => e.status === 'ok');
    const bad = ok.findIndex((e, i) => (rule === 'counting' ? e.end !== i + 1 : !(e.end > (i === 0 ? 0 : ok[i - 1]!.end))));
    if (bad >= 0) {
      throw new MuleError('OUTPUT_MISMATCH', `${this.path}: entry ${bad + 1} (${ok[bad]!.file}) ends at ${ok[bad]!.end}, which does not follow the entries before it`, {
        file: this.path,
        hint: 'two runs wrote this output, or the journal was edited: start again with --overwrite',
      });
    }
  }

  async append(entry: JournalEntry): Promise<void> {
    this.entries.push(entry);
    await appendFile(this.path, JSON.stringify(entry) + '\n');
  }

  private latest(): Map<string, JournalEntry> {
    const map = new Map<string, JournalEntry>();
    for (const e of this.entries) map.set(e.file, e);
    return map;
  }
}
