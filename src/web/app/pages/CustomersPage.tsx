import { NetworkStatus } from "@apollo/client";
import { useMutation, useQuery } from "@apollo/client/react";
import { useId, useState } from "react";
import type { FormEvent } from "react";
import { CreateCustomerDocument, CustomersDocument } from "../../../client/index.js";
import type { CreateCustomerMutation, CustomerStatus } from "../../../client/index.js";
import { Dialog } from "../components/Dialog.js";
import { OneTimeSecret } from "../components/OneTimeSecret.js";
import { describeError } from "../errors.js";
import { formatDate } from "../format.js";
import { Link, usePageTitle } from "../router.js";

const PAGE_SIZE = 50;

export const STATUS_LABEL: Record<CustomerStatus, string> = {
  ACTIVE: "Active",
  DISABLED: "Disabled",
  INVITED: "Invited (temporary password)",
};

/** Admins: every customer, a page at a time; search the loaded ones; create new ones. */
export function CustomersPage() {
  usePageTitle("Customers");
  const { data, error, fetchMore, networkStatus, refetch } = useQuery(CustomersDocument, {
    variables: { first: PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const searchId = useId();
  const edges = data?.customers.edges ?? [];
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? edges.filter(({ node: c }) =>
        [c.name, c.email, c.id].some((v) => v.toLowerCase().includes(needle)),
      )
    : edges;
  const pageInfo = data?.customers.pageInfo;

  return (
    <section className="page">
      <div className="page-head">
        <h1 tabIndex={-1}>Customers</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New customer
        </button>
      </div>
      <div className="toolbar">
        <label htmlFor={searchId}>Search loaded customers</label>
        <input
          id={searchId}
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Name, email or id"
        />
      </div>
      <p role="status" className="hint">
        {!data
          ? "Loading customers…"
          : needle
            ? `${shown.length} of the ${edges.length} customers loaded match.`
            : `${edges.length} customer${edges.length === 1 ? "" : "s"}${pageInfo?.hasNextPage ? " loaded" : ""}.`}
      </p>
      {error && (
        <div role="alert" className="error">
          <p>{describeError(error)}</p>
          <button type="button" onClick={() => void refetch()}>
            Try again
          </button>
        </div>
      )}
      {data && edges.length === 0 ? (
        <p className="empty">No customers yet. Create the first one.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Customers</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col" className="col-date">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map(({ node: c }) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/customers/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                  </td>
                  <td>{c.email}</td>
                  <td>
                    <span className={`badge ${c.status.toLowerCase()}`}>
                      {STATUS_LABEL[c.status]}
                    </span>
                  </td>
                  <td className="col-date">
                    <time dateTime={c.createdAt}>{formatDate(c.createdAt)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pageInfo?.hasNextPage && (
        <p>
          <button
            type="button"
            disabled={networkStatus === NetworkStatus.fetchMore}
            onClick={() => void fetchMore({ variables: { after: pageInfo.endCursor } })}
          >
            {networkStatus === NetworkStatus.fetchMore ? "Loading…" : "Load more customers"}
          </button>
        </p>
      )}
      <CreateCustomerDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => void refetch()}
      />
    </section>
  );
}

function CreateCustomerDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [create, { loading }] = useMutation(CreateCustomerDocument);
  const [error, setError] = useState("");
  const [created, setCreated] = useState<CreateCustomerMutation["createCustomer"] | null>(null);
  const close = () => {
    // The temporary password is gone once the dialog closes.
    setCreated(null);
    setError("");
    onClose();
  };
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const id = String(form.get("id") ?? "").trim();
    setError("");
    try {
      const r = await create({
        variables: {
          input: {
            name: String(form.get("name") ?? "").trim(),
            email: String(form.get("email") ?? "").trim(),
            ...(id ? { id } : {}),
          },
        },
      });
      if (r.data) {
        setCreated(r.data.createCustomer);
        onCreated();
      }
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <Dialog open={open} title={created ? "Customer created" : "New customer"} onClose={close}>
      {created ? (
        <>
          <p>
            <strong>{created.customer.name}</strong> ({created.customer.email}) can now sign in with
            this temporary password.
          </p>
          <OneTimeSecret label="Temporary password" value={created.temporaryPassword} />
          <div className="actions">
            <button type="button" className="primary" onClick={close} autoFocus>
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <label htmlFor="new-name">Name</label>
          <input id="new-name" name="name" required maxLength={200} autoComplete="organization" />
          <label htmlFor="new-email">Email</label>
          <input id="new-email" name="email" type="email" required autoComplete="off" />
          <label htmlFor="new-id">Customer id (optional)</label>
          <input id="new-id" name="id" aria-describedby="new-id-hint" autoComplete="off" />
          <p id="new-id-hint" className="hint">
            Lowercase letters, digits and dashes; generated from the name when left empty. It never
            changes.
          </p>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={loading}>
              {loading ? "Creating…" : "Create customer"}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
