import { FileList } from "../components/FileList.js";
import { UploadPanel } from "../components/UploadPanel.js";
import { usePageTitle } from "../router.js";
import type { Uploads } from "../uploads.js";

/** A customer's files: their own folder and the general files, newest first. */
export function FilesPage({ uploads }: { uploads: Uploads }) {
  usePageTitle("Files");
  return (
    <section className="page">
      <h1 tabIndex={-1}>Files</h1>
      <p className="lead">Your files and the files shared with every customer.</p>
      <UploadPanel uploads={uploads} target={{ scope: "CUSTOMER" }} where="your folder" />
      <FileList canDelete={false} showFolder caption="Your files and general files" />
    </section>
  );
}

/** Admins: the general folder every customer can read. */
export function GeneralFilesPage({ uploads }: { uploads: Uploads }) {
  usePageTitle("General files");
  return (
    <section className="page">
      <h1 tabIndex={-1}>General files</h1>
      <p className="lead">Every customer can see and download these files.</p>
      <UploadPanel uploads={uploads} target={{ scope: "GENERAL" }} where="the general folder" />
      <FileList scope="GENERAL" canDelete showFolder={false} caption="General files" />
    </section>
  );
}
