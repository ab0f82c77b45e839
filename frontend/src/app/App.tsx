import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../features/auth/api";
import { LoginForm } from "../features/auth/LoginForm";
import { ApiError } from "../lib/api-client";
import { Dashboard } from "./Dashboard";
import { RealtimeProvider } from "./realtime";

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // Client errors (404, 400...) are answers, not outages: do not retry them.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
}

function Root() {
  const session = useSession();
  if (session.isPending) return <div className="splash">Loading…</div>;
  if (session.isError) {
    return (
      <div className="splash" role="alert">
        The server did not answer: {session.error.message}
      </div>
    );
  }
  if (!session.data.authenticated || !session.data.user) return <LoginForm />;
  return (
    <RealtimeProvider key={session.data.user.id}>
      <Dashboard user={session.data.user} />
    </RealtimeProvider>
  );
}

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client}>
      <Root />
    </QueryClientProvider>
  );
}
