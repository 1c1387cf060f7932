/** The command-line options shared by the hot-path scripts (`--only`, `--rounds`, `--quick`, `--impl`). */
import { parseArgs } from "node:util";

export interface HotPathOptions {
  /** Scenario names from `--only a,b`; undefined when not given. */
  readonly only: string[] | undefined;
  readonly rounds: number;
  /** Size factor: 0.25 with `--quick`, else 1. */
  readonly scale: number;
  /** Each `--impl` in order; undefined when not given. */
  readonly impls: string[] | undefined;
}

export function parseHotPathOptions(defaultRounds: number): HotPathOptions {
  const { values } = parseArgs({
    options: {
      only: { type: "string" },
      rounds: { type: "string", default: String(defaultRounds) },
      quick: { type: "boolean", default: false },
      impl: { type: "string", multiple: true },
    },
  });
  return {
    only: values.only?.split(","),
    rounds: Number(values.rounds),
    scale: values.quick ? 0.25 : 1,
    impls: values.impl,
  };
}
