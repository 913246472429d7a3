/** Lower-cased, trimmed email, or null when it is not a plausible address. */
export function normaliseEmail(input: string): string | null {
  const email = input.trim().toLowerCase();
  if (email.length < 3 || email.length > 254) return null;
  // Deliberately plain: one @, no spaces, quotes, backslashes or control characters, a dot in the domain.
  if (
    !/^[^\s@"\\\u0000-\u001f\u007f]+@[^\s@"\\\u0000-\u001f\u007f]+\.[^\s@"\\\u0000-\u001f\u007f]+$/.test(
      email,
    )
  )
    return null;
  return email;
}
