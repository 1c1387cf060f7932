/** The drop-in scenarios on the reference implementation: the official `socket.io` Server. */
import type { Server as PlexusServer } from "@plexus/server";
import { Server } from "socket.io";
import { defineScenarios } from "./scenarios.js";

defineScenarios("socket.io", (http, opts) => new Server(http, opts as never) as unknown as PlexusServer);
