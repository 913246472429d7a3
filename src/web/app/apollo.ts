import {
  ApolloClient,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
  ServerError,
} from "@apollo/client";
import type { FieldMergeFunction } from "@apollo/client/cache";
import { SetContextLink } from "@apollo/client/link/context";
import { ErrorLink } from "@apollo/client/link/error";
import { RefreshTokensDocument } from "../../client/index.js";
import { RefreshRefused } from "./session.js";
import type { Session } from "./session.js";

interface Connection {
  readonly edges: readonly unknown[];
}

/**
 * Pages of a connection are one list in the cache: a page asked for with `after` is appended, a
 * first page (no `after`: a new listing, a refetch after an upload) replaces the list.
 */
const appendPages: FieldMergeFunction<Connection, Connection> = (existing, incoming, { args }) =>
  args?.after && existing
    ? { ...incoming, edges: [...existing.edges, ...incoming.edges] }
    : incoming;

/** The app's GraphQL client: same-origin /graphql, the session's token, typed documents only. */
export function createClient(session: Session): ApolloClient {
  const auth = new SetContextLink((prev) => {
    const token = session.token();
    return token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {};
  });
  // A request refused for its token means the session is over, whatever page sent it.
  const expiry = new ErrorLink(({ error, operation }) => {
    if (operation.operationName === "RefreshTokens") return;
    const refused =
      (CombinedGraphQLErrors.is(error) &&
        error.errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) ||
      (ServerError.is(error) && error.statusCode === 401);
    if (refused && session.token()) session.expired();
  });
  const client = new ApolloClient({
    link: auth.concat(expiry).concat(new HttpLink({ uri: "/graphql" })),
    cache: new InMemoryCache({
      typePolicies: {
        Query: {
          fields: {
            files: { keyArgs: ["scope", "customerId", "first"], merge: appendPages },
            customers: { keyArgs: ["first"], merge: appendPages },
          },
        },
      },
    }),
  });
  session.setRefresher(async (refreshToken) => {
    try {
      const r = await client.mutate({
        mutation: RefreshTokensDocument,
        variables: { refreshToken },
        fetchPolicy: "no-cache",
      });
      if (!r.data) throw new Error("refreshTokens returned no data");
      return r.data.refreshTokens;
    } catch (err) {
      if (isUnauthenticated(err)) throw new RefreshRefused("refresh token refused");
      throw err;
    }
  });
  return client;
}

export function isUnauthenticated(err: unknown): boolean {
  return (
    (CombinedGraphQLErrors.is(err) &&
      err.errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) ||
    (ServerError.is(err) && err.statusCode === 401)
  );
}
