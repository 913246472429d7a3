import { NetworkStatus } from "@apollo/client";
import { useMutation, useQuery } from "@apollo/client/react";
import { useId, useState } from "react";
import { CreateCustomerDocument, CustomersDocument } from "../../../client/index.js";
import type { CreateCustomerMutation, CustomerStatus } from "../../../client/index.js";
import { Dialog } from "../components/Dialog.js";
import {
  Alert,
  Field,
  FormActions,
  LoadError,
  SearchBox,
  text,
  useFormAction,
} from "../components/Form.js";
import { OneTimeSecret } from "../components/OneTimeSecret.js";
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
      <SearchBox
        id={searchId}
        label="Search loaded customers"
        value={search}
        onChange={setSearch}
        placeholder="Name, email or id"
      />
      <p role="status" className="hint">
        {!data
          ? "Loading customers…"
          : needle
            ? `${shown.length} of the ${edges.length} customers loaded match.`
            : `${edges.length} customer${edges.length === 1 ? "" : "s"}${pageInfo?.hasNextPage ? " loaded" : ""}.`}
      </p>
      {error && <LoadError error={error} onRetry={() => void refetch()} />}
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
  const [created, setCreated] = useState<CreateCustomerMutation["createCustomer"] | null>(null);
  const [invited, setInvited] = useState(false);
  const { error, setError, onSubmit } = useFormAction(async (form) => {
    const id = text(form, "id");
    const r = await create({
      variables: {
        input: {
          name: text(form, "name"),
          email: text(form, "email"),
          ...(id ? { id } : {}),
          sendInvitation: form.get("invite") === "on",
        },
      },
    });
    if (r.data) {
      setInvited(form.get("invite") === "on");
      setCreated(r.data.createCustomer);
      onCreated();
    }
  });
  const close = () => {
    // The temporary password is gone once the dialog closes.
    setCreated(null);
    setError("");
    onClose();
  };
  return (
    <Dialog open={open} title={created ? "Customer created" : "New customer"} onClose={close}>
      {created ? (
        <>
          <p>
            <strong>{created.customer.name}</strong> ({created.customer.email}) can now sign in with
            this temporary password{invited ? ", or with the emailed invitation link" : ""}.
          </p>
          <OneTimeSecret label="Temporary password" value={created.temporaryPassword} />
          <div className="actions">
            <button type="button" className="primary" onClick={close} autoFocus>
              Done
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={onSubmit}>
          <Field
            label="Name"
            id="new-name"
            name="name"
            required
            maxLength={200}
            autoComplete="organization"
          />
          <Field
            label="Email"
            id="new-email"
            name="email"
            type="email"
            required
            autoComplete="off"
          />
          <Field
            label="Customer id (optional)"
            id="new-id"
            name="id"
            autoComplete="off"
            hint="Lowercase letters, digits and dashes; generated from the name when left empty. It never changes."
          />
          <p className="check">
            <input id="new-invite" name="invite" type="checkbox" />
            <label htmlFor="new-invite">Email an invitation link to choose a password</label>
          </p>
          <Alert message={error} />
          <FormActions
            back="Cancel"
            onBack={close}
            submit="Create customer"
            busy={loading}
            busyLabel="Creating…"
          />
        </form>
      )}
    </Dialog>
  );
}
