import http from "node:http";

/** Connections kept open between requests, as fetch keeps them. */
const agent = new http.Agent({ keepAlive: true });

/**
 * POSTs `body` as JSON and parses the JSON answer, with node:http. The suites send thousands of
 * GraphQL requests over HTTP, and fetch (undici, WHATWG streams) spends several times node:http's
 * CPU time on each (docs/performance.md, "The test suite").
 */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("error", reject);
        res.on("end", () => {
          try {
            const answer = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
                answer.append(name, v);
            resolve({ status: res.statusCode ?? 0, headers: answer, json: JSON.parse(text) });
          } catch (err) {
            reject(
              new Error(`${url} answered ${res.statusCode} with no JSON: ${text.slice(0, 200)}`, {
                cause: err,
              }),
            );
          }
        });
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
