/**
 * The sections of `npm run bench:cluster`, in the order they run on each target's fleet (clients only
 * grow: sections with few clients first). Add a section here (see `cluster-section.ts`).
 */
import type { ClusterSection } from "./cluster-section.js";
import { broadcastSection } from "./section-broadcast.js";
import { egressSection } from "./section-egress.js";
import { fetchSocketsSection } from "./section-fetch-sockets.js";

export const CLUSTER_SECTIONS: readonly ClusterSection[] = [
  broadcastSection,
  egressSection,
  fetchSocketsSection,
];
