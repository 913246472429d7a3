import { useMutation, useQuery } from "@apollo/client/react";
import { useState } from "react";
import {
  CustomerDocument,
  ResetCustomerPasswordDocument,
  SendInvitationDocument,
  UpdateCustomerDocument,
} from "../../../client/index.js";
import type { CustomerFieldsFragment } from "../../../client/index.js";
import { ConfirmDialog, Dialog } from "../components/Dialog.js";
import { FileList } from "../components/FileList.js";
import { Alert, Field, FormActions, text, useFormAction } from "../components/Form.js";
import { OneTimeSecret } from "../components/OneTimeSecret.js";
import { UploadPanel } from "../components/UploadPanel.js";
import { describeError } from "../errors.js";
import { formatDate } from "../format.js";
import { Link, usePageTitle } from "../router.js";
import type { Uploads } from "../uploads.js";
import { STATUS_LABEL } from "./CustomersPage.js";

/** Admins: one customer — details, edit, disable/enable, reset password — and their folder. */
export function CustomerPage({ id, uploads }: { id: string; uploads: Uploads }) {
  const { data, error, loading } = useQuery(CustomerDocument, { variables: { id } });
  const customer = data?.customer;
  usePageTitle(customer ? customer.name : "Customer");
  if (error)
    return (
      <section className="page">
        <h1 tabIndex={-1}>Customer</h1>
        <p role="alert" className="error">
          {describeError(error)}
        </p>
      </section>
    );
  if (loading && !customer)
    return (
      <section className="page" aria-busy="true">
        <h1 tabIndex={-1}>Customer</h1>
        <p>Loading…</p>
      </section>
    );
  if (!customer)
    return (
      <section className="page">
        <h1 tabIndex={-1}>Customer not found</h1>
        <p>
          There is no customer <code>{id}</code>. <Link to="/customers">All customers</Link>
        </p>
      </section>
    );
  return (
    <section className="page">
      <p className="crumbs">
        <Link to="/customers">Customers</Link> / {customer.name}
      </p>
      <h1 tabIndex={-1}>{customer.name}</h1>
      <CustomerDetails customer={customer} />
      <h2>Files</h2>
      <UploadPanel
        uploads={uploads}
        target={{ scope: "CUSTOMER", customerId: customer.id }}
        where={`${customer.name}'s folder`}
      />
      <FileList
        scope="CUSTOMER"
        customerId={customer.id}
        canDelete
        showFolder={false}
        caption={`Files of ${customer.name}`}
      />
    </section>
  );
}

function CustomerDetails({ customer }: { customer: CustomerFieldsFragment }) {
  const [update, { loading: updating }] = useMutation(UpdateCustomerDocument);
  const [reset, { loading: resetting }] = useMutation(ResetCustomerPasswordDocument);
  const [sendInvitation, { loading: inviting }] = useMutation(SendInvitationDocument);
  const [editing, setEditing] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);
  const [temporary, setTemporary] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const disabled = customer.status === "DISABLED";

  const toggle = async () => {
    setError("");
    try {
      await update({ variables: { id: customer.id, input: { enabled: disabled } } });
      setNotice(
        disabled ? "The customer can sign in again." : "The customer can no longer sign in.",
      );
    } catch (err) {
      setError(describeError(err));
    }
  };
  const invite = async () => {
    setError("");
    try {
      const r = await sendInvitation({ variables: { customerId: customer.id } });
      if (r.data)
        setNotice(
          `Invitation sent to ${r.data.sendInvitation.sentTo}; the link works until ${formatDate(r.data.sendInvitation.expiresAt)}. Earlier links no longer work.`,
        );
    } catch (err) {
      setError(describeError(err));
    }
  };
  const doReset = async () => {
    setError("");
    try {
      const r = await reset({ variables: { id: customer.id } });
      if (r.data) setTemporary(r.data.resetCustomerPassword.temporaryPassword);
    } catch (err) {
      setError(describeError(err));
      setConfirmReset(false);
    }
  };

  return (
    <div className="details">
      <dl>
        <dt>Email</dt>
        <dd>{customer.email}</dd>
        <dt>Customer id</dt>
        <dd>
          <code>{customer.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge ${customer.status.toLowerCase()}`} data-testid="customer-status">
            {STATUS_LABEL[customer.status]}
          </span>
        </dd>
        <dt>Created</dt>
        <dd>{formatDate(customer.createdAt)}</dd>
      </dl>
      <div className="actions left">
        <button type="button" onClick={() => setEditing(true)}>
          Edit name and email
        </button>
        <button type="button" onClick={() => void toggle()} disabled={updating}>
          {disabled ? "Enable sign-in" : "Disable sign-in"}
        </button>
        <button type="button" onClick={() => setConfirmReset(true)}>
          Reset password
        </button>
        {customer.status === "INVITED" && (
          <button type="button" onClick={() => void invite()} disabled={inviting}>
            Send invitation again
          </button>
        )}
      </div>
      <p role="status" className="hint">
        {notice}
      </p>
      <Alert message={error} />
      <EditDialog customer={customer} open={editing} onClose={() => setEditing(false)} />
      {temporary ? (
        <Dialog
          open
          title="Password reset"
          onClose={() => {
            setTemporary(null);
            setConfirmReset(false);
          }}
        >
          <OneTimeSecret label="New temporary password" value={temporary} />
          <div className="actions">
            <button
              type="button"
              className="primary"
              autoFocus
              onClick={() => {
                setTemporary(null);
                setConfirmReset(false);
              }}
            >
              Done
            </button>
          </div>
        </Dialog>
      ) : (
        <ConfirmDialog
          open={confirmReset}
          title="Reset this customer's password?"
          confirmLabel="Reset password"
          busy={resetting}
          onConfirm={() => void doReset()}
          onClose={() => setConfirmReset(false)}
        >
          <p>
            {customer.name} gets a new temporary password (shown once) and must choose a new
            password at the next sign-in. The current password stops working.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function EditDialog({
  customer,
  open,
  onClose,
}: {
  customer: CustomerFieldsFragment;
  open: boolean;
  onClose: () => void;
}) {
  const [update, { loading }] = useMutation(UpdateCustomerDocument);
  const { error, setError, onSubmit } = useFormAction(async (form) => {
    const name = text(form, "name");
    const email = text(form, "email");
    await update({
      variables: {
        id: customer.id,
        input: {
          ...(name !== customer.name ? { name } : {}),
          ...(email !== customer.email ? { email } : {}),
        },
      },
    });
    onClose();
  });
  return (
    <Dialog
      open={open}
      title="Edit customer"
      onClose={() => {
        setError("");
        onClose();
      }}
    >
      <form onSubmit={onSubmit}>
        <Field
          label="Name"
          id="edit-name"
          name="name"
          required
          defaultValue={customer.name}
          maxLength={200}
        />
        <Field
          label="Email"
          id="edit-email"
          name="email"
          type="email"
          required
          defaultValue={customer.email}
        />
        <Alert message={error} />
        <FormActions
          back="Cancel"
          onBack={onClose}
          submit="Save"
          busy={loading}
          busyLabel="Saving…"
        />
      </form>
    </Dialog>
  );
}
