import { useState } from "react";
import type { FormEvent, InputHTMLAttributes, ReactNode } from "react";
import { describeError } from "../errors.js";

/** A labelled input: the label names the field for screen readers and takes clicks. */
export function Field({
  label,
  id,
  hint,
  ...input
}: { label: string; id: string; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </>
  );
}

/** A message that needs attention now (announced by screen readers); nothing when empty. */
export function Alert({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}

/** A form's closing row: a way back and the submit button, which says when it is busy. */
export function FormActions({
  back,
  onBack,
  submit,
  busy,
  busyLabel,
}: {
  back: string;
  onBack: () => void;
  submit: string;
  busy: boolean;
  busyLabel: string;
}) {
  return (
    <div className="actions">
      <button type="button" onClick={onBack}>
        {back}
      </button>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? busyLabel : submit}
      </button>
    </div>
  );
}

/** Search over what a list has loaded (it asks the API for nothing). */
export function SearchBox({
  id,
  label,
  value,
  onChange,
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
}) {
  return (
    <div className="toolbar">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
      />
    </div>
  );
}

/** A list that could not load, and a way to ask again. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div role="alert" className="error">
      <p>{describeError(error)}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/** Reads a form field as text (trimmed unless it is a password). */
export function text(form: FormData, name: string, trim = true): string {
  const v = String(form.get(name) ?? "");
  return trim ? v.trim() : v;
}

/**
 * A form's submit: reads the fields, runs `action` and keeps the message to show — the string
 * `action` returns (a check that failed before asking the API) or the words for what it threw.
 */
export function useFormAction(action: (form: FormData) => Promise<string | void>) {
  const [error, setError] = useState("");
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setError("");
    action(form).then(
      (problem) => setError(problem ?? ""),
      (err: unknown) => setError(describeError(err)),
    );
  };
  return { error, setError, onSubmit };
}
