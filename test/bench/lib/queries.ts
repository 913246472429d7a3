/** The operations the benchmark sends: what a React client asks for. */

export const ME = `query Me { me { id email role } }`;

/** A file list view: every field it shows, the download link included, and paging. */
export const FILE_PAGE = `query FilePage($first: Int) {
  files(first: $first) {
    edges { cursor node { id name scope customerId size lastModified downloadUrl } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The same page with the two fields that cost a HEAD each. */
export const FILE_PAGE_WITH_HEAD = `query FilePageHead($first: Int, $customerId: ID) {
  files(first: $first, customerId: $customerId) {
    edges { node { id name size contentType uploadedBy } }
  }
}`;

export const FILE_PAGE_CONTENT_TYPE = `query FilePageType($first: Int) {
  files(first: $first) { edges { node { id name size contentType } } }
}`;

/**
 * 1,000 rows for an admin: 100 customers (a guarded type: admin or the customer themself, checked
 * per object), each with 10 files. Literal page sizes: the API's cost limit assumes the largest
 * page for a variable `first`.
 */
export function customersWithFiles(customers: number, files: number): string {
  return `query CustomersWithFiles {
  customers(first: ${customers}) {
    edges { node { id name email status
      files(first: ${files}) { edges { node { id name scope customerId size lastModified } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
}

export const CUSTOMERS_PAGE = `query Customers($first: Int) {
  customers(first: $first) { edges { node { id name email status } } pageInfo { hasNextPage endCursor } }
}`;
