/** The drop-in scenarios on Plexus: `@plexus/server`, through its public entry point only. */
import { Server } from "@plexus/server";
import { defineScenarios } from "./scenarios.js";

defineScenarios("plexus", (http, opts) => new Server(http, opts));
