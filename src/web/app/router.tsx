import { useEffect, useSyncExternalStore } from "react";
import type { AnchorHTMLAttributes, MouseEvent } from "react";

/**
 * A small history router: the app has a handful of routes, each a pathname pattern. Every
 * navigation moves focus to the new page's heading, as a screen reader user expects.
 */
const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};
window.addEventListener("popstate", notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  notify();
}

export function Link({
  to,
  onClick,
  ...rest
}: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}

/** `/customers/:id` against a path: the params, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/");
  const s = path.replace(/\/+$/, "").split("/");
  if (path === "/") s.splice(1);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] as string;
    const got = s[i] as string;
    if (want.startsWith(":")) {
      if (!got) return null;
      params[want.slice(1)] = decodeURIComponent(got);
    } else if (want !== got) return null;
  }
  return params;
}

/** Sets the document title. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · File portal`;
  }, [title]);
}

/** After a navigation (not the first page), focus goes to the new page's <h1>. */
export function useFocusOnNavigate(path: string): void {
  useEffect(() => {
    if (!navigated) {
      navigated = true;
      return;
    }
    document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: false });
  }, [path]);
}
let navigated = false;
