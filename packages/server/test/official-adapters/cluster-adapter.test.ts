/**
 * `@socket.io/cluster-adapter` between three Plexus servers running as node:cluster workers, set up as
 * the package documents it (`setupPrimary()` in the primary, cluster-primary.ts): the cross-node suite
 * (cross-node-suite.ts), each worker on its own port.
 */
import { crossNodeSuite } from "./cross-node-suite.js";

crossNodeSuite("@socket.io/cluster-adapter (node:cluster workers)", () => ({ kind: "cluster" }));
