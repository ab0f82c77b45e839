/** Query keys of the webhook tokens feature. */
export const hookKeys = {
  all: ["hooks"] as const,
  list: () => [...hookKeys.all, "list"] as const,
  attempts: (hook: number) => [...hookKeys.all, "attempts", hook] as const,
};
