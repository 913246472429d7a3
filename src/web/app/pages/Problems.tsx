import { Link, usePageTitle } from "../router.js";

/** A page only admins may open (the API would refuse its data anyway). */
export function NotAllowedPage({ home }: { home: string }) {
  usePageTitle("Not allowed");
  return (
    <section className="page">
      <h1 tabIndex={-1}>Not allowed</h1>
      <p>This page is for administrators. Your account cannot open it.</p>
      <p>
        <Link to={home}>Go to your files</Link>
      </p>
    </section>
  );
}

export function NotFoundPage({ home }: { home: string }) {
  usePageTitle("Page not found");
  return (
    <section className="page">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no page at this address.</p>
      <p>
        <Link to={home}>Go to the start page</Link>
      </p>
    </section>
  );
}
