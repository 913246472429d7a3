/** Sizes, dates and file kinds as people read them. */

const UNITS = ["bytes", "KB", "MB", "GB", "TB"] as const;

/** 1,536 → "1.5 KB" (binary multiples, written the way file browsers show them). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} ${n === 1 ? "byte" : "bytes"}`;
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

export const formatDate = (iso: string): string => dateFormat.format(new Date(iso));

const KINDS: Readonly<Record<string, string>> = {
  pdf: "PDF document",
  doc: "Word document",
  docx: "Word document",
  odt: "Text document",
  rtf: "Text document",
  txt: "Plain text",
  md: "Markdown",
  csv: "CSV table",
  xls: "Excel workbook",
  xlsx: "Excel workbook",
  ods: "Spreadsheet",
  ppt: "PowerPoint",
  pptx: "PowerPoint",
  json: "JSON",
  xml: "XML",
  html: "Web page",
  png: "PNG image",
  jpg: "JPEG image",
  jpeg: "JPEG image",
  gif: "GIF image",
  webp: "WebP image",
  svg: "SVG image",
  heic: "HEIC image",
  tif: "TIFF image",
  tiff: "TIFF image",
  mp3: "MP3 audio",
  wav: "WAV audio",
  mp4: "MP4 video",
  mov: "QuickTime video",
  webm: "WebM video",
  zip: "ZIP archive",
  gz: "Gzip archive",
  tgz: "Gzip archive",
  "7z": "7-Zip archive",
  rar: "RAR archive",
  bin: "Binary file",
  iso: "Disk image",
};

/**
 * The kind of file, from its name's extension. Listings carry no content type (reading one costs
 * the API a request to S3 per file), so the list shows what the name says.
 */
export function fileKind(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return "File";
  const ext = name.slice(dot + 1).toLowerCase();
  return KINDS[ext] ?? `${ext.toUpperCase()} file`;
}
