/** Query keys of the feed feature: the running feed kind from providers/. */
export const feedKeys = {
  all: ["providers"] as const,
};
