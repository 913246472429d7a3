import { useState } from "react";

/** A temporary password, shown once, with a copy button. It is never stored. */
export function OneTimeSecret({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState<string>("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Copying is not allowed here: select the password and copy it by hand.");
    }
  };
  return (
    <div className="secret">
      <p>
        <strong>{label}</strong> (shown only now; give it to the customer through a safe channel:
        they choose their own password when they first sign in)
      </p>
      <div className="secret-row">
        <code data-testid="one-time-secret">{value}</code>
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="hint">
        {copied}
      </p>
    </div>
  );
}
