import { ApolloProvider } from "@apollo/client/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createClient } from "./apollo.js";
import { App } from "./App.js";
import { Session } from "./session.js";
import "./styles.css";

const session = new Session(window.sessionStorage);
const client = createClient(session);
void session.restore();

const root = document.getElementById("root");
if (!root) throw new Error("#root is missing from index.html");
createRoot(root).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App session={session} />
    </ApolloProvider>
  </StrictMode>,
);
