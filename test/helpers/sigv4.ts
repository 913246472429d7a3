import aws4 from "aws4";

/**
 * Checks a presigned S3 URL the way S3 would, with an implementation independent of the AWS
 * SDK (the `aws4` package): recomputes the SigV4 query signature from the URL, the method and
 * the headers a client would send, and compares. s3rver does not verify signatures, so this is
 * where the tests learn whether a changed length, type, metadata or checksum would be refused.
 */
export function verifyPresignedUrl(
  url: string,
  method: string,
  sentHeaders: Record<string, string>,
  credentials: { accessKeyId: string; secretAccessKey: string },
): boolean {
  const u = new URL(url);
  const query: Record<string, string> = {};
  u.searchParams.forEach((v, k) => {
    query[k] = v;
  });
  const given = query["X-Amz-Signature"];
  delete query["X-Amz-Signature"];
  const credential = query["X-Amz-Credential"] ?? "";
  const [, , region] = credential.split("/");
  const expires = Number(query["X-Amz-Expires"]);
  const date = query["X-Amz-Date"] ?? "";
  const signedAt = Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(4, 6)) - 1,
    Number(date.slice(6, 8)),
    Number(date.slice(9, 11)),
    Number(date.slice(11, 13)),
    Number(date.slice(13, 15)),
  );
  if (!Number.isFinite(expires) || Date.now() > signedAt + expires * 1000) return false;
  const signer = new aws4.RequestSigner(
    {
      method,
      host: u.host,
      path: `${u.pathname}?${new URLSearchParams(query).toString()}`,
      service: "s3",
      region: region ?? "us-east-1",
      headers: { host: u.host, ...sentHeaders },
      signQuery: true,
    },
    credentials,
  );
  // The URL names the headers it signed; a client that leaves one out fails like it would at S3.
  const signer2 = signer as unknown as {
    prepareRequest(): void;
    signature(): string;
    parsedPath: { query: Record<string, string> };
  };
  signer2.prepareRequest();
  if (signer2.parsedPath.query["X-Amz-SignedHeaders"] !== query["X-Amz-SignedHeaders"])
    return false;
  return signer2.signature() === given;
}
