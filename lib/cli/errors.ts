/**
 * The command line's two kinds of failure, and how any error becomes the one line a person reads.
 *
 * Exit codes: 2 when the command line is wrong (an unknown command or flag, a bad flag value, a missing
 * argument, a `--target` the file has no column for): fixing the command fixes it. 1 when a file is wrong
 * or training failed (missing or unreadable file, a malformed CSV, a damaged model, divergence): the data
 * needs fixing. Interrupted by Ctrl-C: 130, as shells report SIGINT.
 */
import { AbortError, BlasnetError, ModelFormatError, NonFiniteLossError } from '../errors';

/** The command line is wrong: exit code 2. `code`: `ERR_CLI_USAGE`, `ERR_CLI_UNKNOWN_OPTION`, `ERR_CLI_TARGET`... */
export class UsageError extends BlasnetError {}

/** A file is wrong (missing, unreadable, malformed) or training failed: exit code 1. `code`: `ERR_CLI_FILE`, `ERR_CSV_*`... */
export class DataError extends BlasnetError {}

/** The one-line message and exit code for an error that ended a command. */
export interface Failure {
  message: string;
  exitCode: number;
}

/** A file or the data is wrong, or training failed. */
export const EXIT_DATA = 1;
/** The command line is wrong. */
export const EXIT_USAGE = 2;
/** Ctrl-C: 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Turns what a command threw into what the person sees; never a stack trace (that is `--debug`'s job). */
export function describeFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { message: error.message, exitCode: EXIT_USAGE };
  if (error instanceof AbortError) return { message: 'interrupted: nothing was written', exitCode: EXIT_INTERRUPTED };
  if (error instanceof NonFiniteLossError) {
    // The library's message speaks of fit's options; a person at the command line has flags.
    return {
      message: `training diverged: the loss became ${error.loss} in epoch ${error.epoch}, so training stopped and nothing was written; try a smaller --lr (and keep standardisation on)`,
      exitCode: EXIT_DATA,
    };
  }
  if (error instanceof ModelFormatError || error instanceof BlasnetError)
    return { message: oneLine(error.message), exitCode: EXIT_DATA };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return { message: fileErrorMessage(error as NodeJS.ErrnoException), exitCode: EXIT_DATA };
  }
  const message = error instanceof Error ? error.message : String(error);
  const line = oneLine(message);
  // A foreign error may quote whole inputs; the start says what happened, --debug says the rest.
  const short = line.length > 300 ? `${line.slice(0, 297)}...` : line;
  return { message: `unexpected error: ${short} (run again with --debug for the stack trace)`, exitCode: EXIT_DATA };
}

/** "cannot read data.csv: no such file", from a file system error. */
export function fileErrorMessage(error: NodeJS.ErrnoException, verb = 'cannot open', file = error.path): string {
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only',
  };
  const reason = reasons[error.code ?? ''] ?? error.message;
  return file === undefined ? `${verb}: ${reason}` : `${verb} ${file}: ${reason}`;
}

/** A DataError naming the file, from a file system error met while opening or reading it. */
export function fileError(error: unknown, file: string, verb = 'cannot read'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return error;
  return new DataError('ERR_CLI_FILE', fileErrorMessage(error as NodeJS.ErrnoException, verb, file), { cause: error });
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}
