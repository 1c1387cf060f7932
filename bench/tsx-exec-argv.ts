/** Node flags for a benchmark child process run through tsx on the `source` condition. */

/**
 * `--conditions=source --import tsx`, then the space-separated flags of the environment variable
 * `flagsVariable` (e.g. `--cpu-prof --cpu-prof-dir=bench/results/profiles` to profile the children).
 */
export function tsxExecArgv(flagsVariable: string): string[] {
  return [
    "--conditions=source",
    "--import",
    "tsx",
    ...(process.env[flagsVariable] ?? "").split(" ").filter(Boolean),
  ];
}
