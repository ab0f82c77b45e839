import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../../lib/api-client";
import type { User } from "../../lib/types";
import { sessionKeys } from "./keys";

export interface Session {
  authenticated: boolean;
  user?: User;
}

/** GET /api/auth/session/: who is signed in; also sets the csrftoken cookie. */
export function useSession() {
  return useQuery({
    queryKey: sessionKeys.all,
    queryFn: async (): Promise<Session> => {
      try {
        return await api.get<Session>("/api/auth/session/");
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return { authenticated: false };
        throw error;
      }
    },
    staleTime: Infinity,
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; password: string }) => api.post<Session>("/api/auth/login/", body),
    onSuccess: (session) => {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKeys.all[0] });
      client.setQueryData(sessionKeys.all, session);
    },
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<Session>("/api/auth/logout/"),
    onSettled: () => {
      client.clear();
      client.setQueryData(sessionKeys.all, { authenticated: false });
    },
  });
}
