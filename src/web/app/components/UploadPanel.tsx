import { useId, useRef, useState, useSyncExternalStore } from "react";
import type { DragEvent } from "react";
import { formatBytes } from "../format.js";
import { Uploads } from "../uploads.js";
import type { Target, UploadItem } from "../uploads.js";

const pct = (sent: number, total: number) => (total > 0 ? Math.floor((sent / total) * 100) : 0);

/**
 * Drop files here or pick them (several at once); each gets a progress bar and a cancel
 * button, and one bar shows the whole batch. Large files go in parts and can be resumed after a
 * reload by picking the same file again.
 */
export function UploadPanel({
  uploads,
  target,
  where,
}: {
  uploads: Uploads;
  target: Target;
  where: string;
}) {
  const items = useSyncExternalStore(uploads.subscribe, uploads.getSnapshot);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const inputId = useId();
  const hintId = useId();
  const overall = Uploads.overall(items);
  const running = items.some((i) => i.status === "uploading" || i.status === "queued");
  const finished = items.some((i) => ["done", "failed", "cancelled"].includes(i.status));
  const unfinished = uploads.unfinished(target);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) uploads.add([...e.dataTransfer.files], target);
  };

  return (
    <section className="uploads" aria-labelledby={`${inputId}-title`}>
      <h2 id={`${inputId}-title`} className="visually-hidden">
        Upload files
      </h2>
      <div
        className={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p id={hintId}>
          Drop files here to upload them to {where}, or{" "}
          <button type="button" className="primary" onClick={() => input.current?.click()}>
            Choose files
          </button>
        </p>
        <input
          ref={input}
          id={inputId}
          type="file"
          multiple
          className="visually-hidden"
          tabIndex={-1}
          aria-describedby={hintId}
          aria-label="Files to upload"
          onChange={(e) => {
            const files = e.target.files ? [...e.target.files] : [];
            e.target.value = "";
            if (files.length) uploads.add(files, target);
          }}
        />
      </div>

      {unfinished.length > 0 && (
        <div className="notice" role="region" aria-label="Unfinished uploads">
          <p>Unfinished uploads. Choose the same file again to continue where it stopped:</p>
          <ul>
            {unfinished.map((r) => (
              <li key={r.fileId}>
                <strong>{r.name}</strong> ({formatBytes(r.size)}, {Object.keys(r.etags).length} of{" "}
                {r.partCount} parts sent){" "}
                <button type="button" className="small" onClick={() => void uploads.discard(r)}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}

      {items.length > 0 && (
        <div className="upload-list">
          <div className="overall">
            <label htmlFor={`${inputId}-overall`}>
              {running ? "Uploading" : "Uploads"}: {formatBytes(overall.sent)} of{" "}
              {formatBytes(overall.total)}
            </label>
            <progress id={`${inputId}-overall`} max={100} value={pct(overall.sent, overall.total)}>
              {pct(overall.sent, overall.total)}%
            </progress>
            {finished && !running && (
              <button type="button" className="small" onClick={() => uploads.clearFinished()}>
                Clear list
              </button>
            )}
          </div>
          <ul aria-label="Files being uploaded">
            {items.map((item) => (
              <UploadRow key={item.id} item={item} uploads={uploads} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

const STATUS: Record<UploadItem["status"], string> = {
  queued: "Waiting",
  choose: "Unfinished upload found",
  uploading: "Uploading",
  done: "Uploaded",
  failed: "Failed",
  cancelled: "Cancelled",
};

function UploadRow({ item, uploads }: { item: UploadItem; uploads: Uploads }) {
  const id = useId();
  const percent = item.status === "done" ? 100 : pct(item.sent, item.size);
  return (
    <li className={`upload ${item.status}`} data-testid="upload-row" data-status={item.status}>
      <div className="upload-head">
        <span className="upload-name" id={`${id}-name`}>
          {item.name}
        </span>
        <span className="upload-state">
          {STATUS[item.status]}
          {item.status === "uploading" && ` ${percent}%`}
          {item.parts && item.status !== "done" && (
            <span data-testid="parts">
              {" "}
              · {item.parts.done} of {item.parts.count} parts
            </span>
          )}
        </span>
      </div>
      <progress max={100} value={percent} aria-labelledby={`${id}-name`}>
        {percent}%
      </progress>
      {item.message && (
        <p
          className={item.status === "failed" ? "error" : "hint"}
          role={item.status === "failed" ? "alert" : undefined}
        >
          {item.message}
        </p>
      )}
      <div className="row-actions">
        {item.status === "choose" && (
          <>
            <button type="button" className="primary small" onClick={() => uploads.resume(item.id)}>
              Resume upload of {item.name}
            </button>
            <button type="button" className="small" onClick={() => uploads.startOver(item.id)}>
              Start over
            </button>
          </>
        )}
        {item.status === "failed" && item.parts && (
          <button type="button" className="small" onClick={() => uploads.resume(item.id)}>
            Retry
          </button>
        )}
        {(item.status === "queued" || item.status === "uploading" || item.status === "choose") && (
          <button
            type="button"
            className="small"
            onClick={() => uploads.cancel(item.id)}
            aria-label={`Cancel upload of ${item.name}`}
          >
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}
