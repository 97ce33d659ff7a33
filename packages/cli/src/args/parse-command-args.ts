/**
 * The one argument parser of every `mule` command: node:util `parseArgs` (strict), with messages
 * that name the flag and suggest the closest known one ("did you mean --keras?").
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { closestName } from './did-you-mean.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValues<F extends FlagSpecs> = { [K in keyof F]?: F[K]['type'] extends 'string' ? string : boolean };

export interface ParsedCommandArgs<F extends FlagSpecs> {
  values: FlagValues<F>;
  positionals: string[];
}

/** Parses `args` for `command`; every flag takes `--flag value` or `--flag=value`; `--` ends the flags. */
export function parseCommandArgs<F extends FlagSpecs>(command: string, args: readonly string[], flags: F): ParsedCommandArgs<F> {
  const known = Object.keys(flags);
  const shorts = new Map(Object.entries(flags).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  for (const arg of args) {
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0]!;
      if (!known.includes(name)) {
        const near = closestName(name, known);
        throw new UsageError(`unknown option --${name}${near ? ` (did you mean --${near}?)` : ''}`, command);
      }
    } else if (/^-[^-\d]/.test(arg) && !shorts.has(arg.slice(1, 2))) {
      throw new UsageError(`unknown option ${arg}`, command);
    }
  }
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: flags, strict: true, allowPositionals: true });
    return { values: values as FlagValues<F>, positionals };
  } catch (e) {
    const message = (e as Error).message;
    const flag = /'(--?[\w-]+)/.exec(message)?.[1];
    const code = (e as { code?: string }).code;
    if (flag && code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const spec = flags[flag.replace(/^-+/, '')] ?? [...Object.values(flags)].find((s) => `-${s.short}` === flag);
      throw new UsageError(spec?.type === 'boolean' ? `${flag} takes no value` : `${flag} needs a value (use ${flag}=VALUE for a value starting with -)`, command);
    }
    throw new UsageError(message.split('\n')[0]!, command);
  }
}

/** An integer >= min from a flag's text. */
export function integerFlag(text: string, flag: string, min: number, command: string): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${flag} takes an integer >= ${min}, got ${JSON.stringify(text)}`, command);
  return Number(text);
}

/** One of `allowed` from a flag's text. */
export function choiceFlag<T extends string>(text: string, flag: string, allowed: readonly T[], command: string): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  const near = closestName(text, allowed);
  throw new UsageError(`${flag} takes ${allowed.join(', ')}, got ${JSON.stringify(text)}${near ? ` (did you mean ${near}?)` : ''}`, command);
}
