import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import type { Page, WebhookAttempt, WebhookToken, WebhookTokenCreate } from "../../lib/types";
import { hookKeys } from "./keys";

/** GET hooks/: the user's webhook tokens (a token's secret part shows only as `token_hint`). */
export function useHooks() {
  return useQuery({
    queryKey: hookKeys.list(),
    queryFn: () => api.get<Page<WebhookToken>>(`${API}/hooks/`, { page_size: 100 }),
  });
}

/** POST hooks/: answers the token and its full url, shown this once. */
export function useCreateHook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: WebhookTokenCreate) => api.post<WebhookToken>(`${API}/hooks/`, body),
    onSuccess: () => void client.invalidateQueries({ queryKey: hookKeys.list() }),
  });
}

/** GET hooks/{id}/attempts/: the newest calls, accepted or refused, with why. */
export function useHookAttempts(hook: number | undefined) {
  return useQuery({
    queryKey: hookKeys.attempts(hook ?? 0),
    enabled: hook !== undefined,
    queryFn: () => api.get<Page<WebhookAttempt>>(`${API}/hooks/${hook}/attempts/`, { page_size: 100 }),
  });
}

/** PATCH hooks/{id}/: one setting at a time from the list (today: `active`). */
export function useUpdateHook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: number; active: boolean }) => api.patch<WebhookToken>(`${API}/hooks/${id}/`, body),
    onSuccess: () => void client.invalidateQueries({ queryKey: hookKeys.list() }),
  });
}

/** POST hooks/{id}/rotate/: a new token (and url), shown this once; the old one stops at once. */
export function useRotateHook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<WebhookToken>(`${API}/hooks/${id}/rotate/`),
    onSuccess: () => void client.invalidateQueries({ queryKey: hookKeys.list() }),
  });
}

/** DELETE hooks/{id}/: the token stops and its attempt log goes with it. */
export function useDeleteHook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.delete(`${API}/hooks/${id}/`),
    onSuccess: () => void client.invalidateQueries({ queryKey: hookKeys.list() }),
  });
}
