// An application built by a bundler (`moduleResolution: bundler`): `import` conditions, named exports.

import { InMemoryAdapter } from "@plexus/adapter";
import { io, type Socket } from "@plexus/client";
import type { ServerOptions } from "@plexus/server";

export const options: Partial<ServerOptions> = { adapter: InMemoryAdapter };
export const socket: Socket = io({ autoConnect: false });
