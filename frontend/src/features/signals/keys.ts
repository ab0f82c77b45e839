/** Query keys of the signals feature. */
export const signalKeys = {
  all: ["signals"] as const,
};
