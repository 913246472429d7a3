import { NetworkStatus } from "@apollo/client";
import type { Reference } from "@apollo/client";
import { useApolloClient, useMutation, useQuery } from "@apollo/client/react";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { MouseEvent } from "react";
import { DeleteFileDocument, FileDownloadDocument, FilesDocument } from "../../../client/index.js";
import type { FileFieldsFragment, FileScope } from "../../../client/index.js";
import { describeError } from "../errors.js";
import { fileKind, formatBytes, formatDate } from "../format.js";
import { ConfirmDialog } from "./Dialog.js";
import { Alert, LoadError, SearchBox } from "./Form.js";

/** Files per request: one page is asked for at a time, as the list scrolls. */
export const PAGE_SIZE = 50;

/**
 * When a presigned GET expires, from its own query string (X-Amz-Date + X-Amz-Expires); a
 * download link about to lapse is replaced by a fresh one before the browser follows it.
 */
function expiresAt(url: string): number {
  try {
    const q = new URL(url).searchParams;
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get("X-Amz-Date") ?? "");
    const ttl = Number(q.get("X-Amz-Expires"));
    if (!d || !ttl) return Infinity;
    const [, y, mo, da, h, mi, s] = d.map(Number) as number[];
    return Date.UTC(y!, mo! - 1, da!, h!, mi!, s!) + ttl * 1000;
  } catch {
    return Infinity;
  }
}

export function FileList({
  scope,
  customerId,
  canDelete,
  showFolder,
  caption,
}: {
  scope?: FileScope;
  customerId?: string;
  canDelete: boolean;
  showFolder: boolean;
  caption: string;
}) {
  const client = useApolloClient();
  const variables = {
    first: PAGE_SIZE,
    ...(scope ? { scope } : {}),
    ...(customerId ? { customerId } : {}),
  };
  const { data, error, fetchMore, networkStatus, refetch } = useQuery(FilesDocument, {
    variables,
    notifyOnNetworkStatusChange: true,
  });
  const [filter, setFilter] = useState("");
  const [problem, setProblem] = useState("");
  const [toDelete, setToDelete] = useState<FileFieldsFragment | null>(null);
  const [deleteError, setDeleteError] = useState<string>();
  const [remove, { loading: deleting }] = useMutation(DeleteFileDocument);
  const filterId = useId();
  const sentinel = useRef<HTMLDivElement>(null);
  const loadingPage = useRef(false);

  const edges = data?.files.edges ?? [];
  const pageInfo = data?.files.pageInfo;
  const hasMore = !!pageInfo?.hasNextPage;
  const loadingMore = networkStatus === NetworkStatus.fetchMore;
  const needle = filter.trim().toLowerCase();
  const shown = needle ? edges.filter((e) => e.node.name.toLowerCase().includes(needle)) : edges;

  const loadMore = useCallback(async () => {
    if (!hasMore || !pageInfo?.endCursor || loadingPage.current) return;
    loadingPage.current = true;
    try {
      await fetchMore({ variables: { after: pageInfo.endCursor } });
    } catch (err) {
      setProblem(describeError(err));
    } finally {
      loadingPage.current = false;
    }
  }, [fetchMore, hasMore, pageInfo?.endCursor]);

  // Infinite scroll: the next page when the end of the list comes into view, one page at a
  // time. A filter only searches what is loaded, so it loads nothing by itself.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || needle) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void loadMore();
      },
      { rootMargin: "0px 0px 300px 0px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, needle, loadMore, edges.length]);

  const download = async (e: MouseEvent<HTMLAnchorElement>, file: FileFieldsFragment) => {
    if (expiresAt(file.downloadUrl) - Date.now() > 15_000) return;
    e.preventDefault();
    try {
      const r = await client.query({
        query: FileDownloadDocument,
        variables: { id: file.id },
        fetchPolicy: "network-only",
      });
      if (!r.data?.file) throw new Error("This file no longer exists.");
      window.location.assign(r.data.file.downloadUrl);
    } catch (err) {
      setProblem(describeError(err));
    }
  };

  const confirmDelete = async () => {
    if (!toDelete) return;
    try {
      await remove({
        variables: { id: toDelete.id },
        update(cache, { data: d }) {
          const gone = d?.deleteFile;
          if (!gone) return;
          cache.modify({
            fields: {
              // Every cached listing drops the deleted file.
              files(existing, { readField }) {
                const list = existing as unknown as { edges: readonly { node: Reference }[] };
                return {
                  ...list,
                  edges: list.edges.filter((edge) => readField("id", edge.node) !== gone),
                } as unknown as typeof existing;
              },
            },
          });
        },
      });
      setToDelete(null);
      setDeleteError(undefined);
    } catch (err) {
      setDeleteError(describeError(err));
    }
  };

  if (error && !data) return <LoadError error={error} onRetry={() => void refetch()} />;

  const count = edges.length;
  const status = !data
    ? "Loading files…"
    : needle
      ? `${shown.length} of the ${count} files loaded match “${filter.trim()}”.`
      : `${count} file${count === 1 ? "" : "s"}${hasMore ? " loaded; more load as you scroll" : ""}.`;

  return (
    <section className="files" aria-label={caption}>
      <SearchBox
        id={filterId}
        label="Filter by name"
        value={filter}
        onChange={setFilter}
        placeholder="Part of a file name"
      />
      <p role="status" className="hint" data-testid="list-status">
        {status}
      </p>
      <Alert message={problem} />
      {data && count === 0 ? (
        <p className="empty">No files here yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{caption}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="col-type">
                  Type
                </th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col" className="col-date">
                  Uploaded
                </th>
                {showFolder && (
                  <th scope="col" className="col-folder">
                    Folder
                  </th>
                )}
                {canDelete && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {shown.map(({ node: f }) => (
                <tr key={f.id}>
                  <td className="name">
                    <a href={f.downloadUrl} download={f.name} onClick={(e) => void download(e, f)}>
                      {f.name}
                    </a>
                  </td>
                  <td className="col-type">{fileKind(f.name)}</td>
                  <td className="num">{formatBytes(f.size)}</td>
                  <td className="col-date">
                    <time dateTime={f.lastModified}>{formatDate(f.lastModified)}</time>
                  </td>
                  {showFolder && (
                    <td className="col-folder">{f.scope === "GENERAL" ? "General" : "Yours"}</td>
                  )}
                  {canDelete && (
                    <td>
                      <div className="row-actions">
                        <button
                          type="button"
                          className="danger small"
                          aria-label={`Delete ${f.name}`}
                          onClick={() => {
                            setDeleteError(undefined);
                            setToDelete(f);
                          }}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div ref={sentinel} className="sentinel" aria-hidden="true" />
      {hasMore && (
        <p>
          <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Load more files"}
          </button>
        </p>
      )}
      <ConfirmDialog
        open={!!toDelete}
        title="Delete this file?"
        confirmLabel="Delete"
        busy={deleting}
        error={deleteError}
        onConfirm={() => void confirmDelete()}
        onClose={() => setToDelete(null)}
      >
        <p>
          <strong>{toDelete?.name}</strong> ({formatBytes(toDelete?.size ?? 0)}) will be deleted for
          everyone who can see it. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
