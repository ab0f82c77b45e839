/** Query keys of the auth feature: who is signed in. */
export const sessionKeys = {
  all: ["session"] as const,
};
