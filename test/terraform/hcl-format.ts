/**
 * A stand-in for `terraform fmt -check` that needs no terraform binary (terraform-cli.test.ts
 * runs the real one where there is one). It checks the layout rules of hclwrite's formatter
 * that matter for review diffs:
 * - indentation: two spaces per bracket level, with hclwrite's rule that a line opening
 *   several brackets (`alltrue([`) indents the following lines by one level only;
 * - `=` alignment: in a run of consecutive single-line attributes (a blank line, a comment
 *   line, a block line or a multi-line value ends the run) every `=` sits one column after
 *   the longest name, followed by exactly one space;
 * - no tabs, no trailing whitespace, LF line endings, exactly one final newline.
 * Heredoc bodies are left alone, as the formatter does; their end marker must sit at the
 * indentation of the line that opened them.
 */

interface LineInfo {
  /** Bracket change of the line's code (strings and comments excluded). */
  readonly net: number;
  /** Column of the assignment `=`, when the line is a single-line attribute. */
  readonly eqCol?: number;
  /** Width of the text before `=` (indent + name), trailing spaces excluded. */
  readonly leadWidth?: number;
  /** Spaces right after `=`. */
  readonly spacesAfterEq?: number;
  /** Heredoc marker opened on this line. */
  readonly heredoc?: string;
}

const OPEN = new Set(["{", "[", "("]);
const CLOSE = new Set(["}", "]", ")"]);

/** Replaces string contents and comments with spaces so only code is left to count. */
function codeOnly(line: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (inString) {
      if (c === "\\") {
        out += "  ";
        i++;
      } else if (c === '"') {
        inString = false;
        out += '"';
      } else out += " ";
      continue;
    }
    if (c === '"') {
      inString = true;
      out += '"';
    } else if (c === "#" || (c === "/" && line[i + 1] === "/")) {
      break;
    } else out += c;
  }
  return out;
}

function analyse(line: string): LineInfo {
  const code = codeOnly(line);
  const heredocMatch = /<<-?([A-Za-z_][A-Za-z0-9_]*)/.exec(code);
  const counted = heredocMatch ? code.slice(0, heredocMatch.index) : code;
  let net = 0;
  for (const c of counted) {
    if (OPEN.has(c)) net++;
    else if (CLOSE.has(c)) net--;
  }
  const heredoc = heredocMatch?.[1];
  // The first "=" that is an assignment (not ==, !=, <=, >=, =>).
  for (let i = 1; i < code.length; i++) {
    if (code[i] !== "=") continue;
    const prev = code[i - 1] as string;
    const next = code[i + 1] ?? "";
    if ("=!<>".includes(prev) || next === "=" || next === ">") {
      i++;
      continue;
    }
    let after = 0;
    for (const c of code.slice(i, heredocMatch ? heredocMatch.index : undefined)) {
      if (OPEN.has(c)) after++;
      else if (CLOSE.has(c)) after--;
    }
    if (after !== 0) break; // a multi-line value: not aligned, ends the run
    const spacesAfterEq = /^ */.exec(line.slice(i + 1))?.[0].length ?? 0;
    return {
      net,
      eqCol: i,
      leadWidth: line.slice(0, i).trimEnd().length,
      spacesAfterEq,
      ...(heredoc ? { heredoc } : {}),
    };
  }
  return { net, ...(heredoc ? { heredoc } : {}) };
}

/** Layout problems of one .tf file, as "file:line: message" strings; [] when it is formatted. */
export function formatProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const at = (n: number, msg: string) => problems.push(`${file}:${n + 1}: ${msg}`);
  if (text.includes("\r")) problems.push(`${file}: use LF line endings`);
  if (!text.endsWith("\n") || text.endsWith("\n\n"))
    problems.push(`${file}: must end with exactly one newline`);

  const lines = text.replace(/\n$/, "").split("\n");
  const indents: number[] = [];
  let heredoc: string | undefined;
  let chain: { n: number; info: LineInfo }[] = [];

  const closeChain = () => {
    if (chain.length) {
      const want = Math.max(...chain.map((c) => c.info.leadWidth ?? 0)) + 1;
      for (const { n, info } of chain) {
        if (info.eqCol !== want)
          at(n, `"=" at column ${(info.eqCol ?? 0) + 1}, expected ${want + 1} (align the run)`);
        if (info.spacesAfterEq !== 1 && lines[n]?.trimEnd().length !== (info.eqCol ?? 0) + 1)
          at(n, `expected exactly one space after "="`);
      }
    }
    chain = [];
  };

  lines.forEach((line, n) => {
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) {
        heredoc = undefined;
        const want = 2 * indents.length;
        const got = /^ */.exec(line)?.[0].length ?? 0;
        if (got !== want) at(n, `heredoc end marker indented ${got}, expected ${want}`);
      }
      return;
    }
    if (line.includes("\t")) at(n, "tab character");
    if (/[ \t]+$/.test(line)) at(n, "trailing whitespace");
    if (line.trim() === "") {
      closeChain();
      return;
    }

    const info = analyse(line);
    let want: number;
    if (info.net > 0) {
      want = 2 * indents.length;
      indents.push(info.net);
    } else if (info.net < 0) {
      let closed = -info.net;
      while (closed > 0 && indents.length > 0) {
        const top = indents[indents.length - 1] as number;
        if (closed > top) {
          closed -= top;
          indents.pop();
        } else if (closed < top) {
          indents[indents.length - 1] = top - closed;
          closed = 0;
        } else {
          indents.pop();
          closed = 0;
        }
      }
      want = 2 * indents.length;
    } else want = 2 * indents.length;
    const got = /^ */.exec(line)?.[0].length ?? 0;
    if (got !== want) at(n, `indented ${got} spaces, expected ${want}`);

    if (info.eqCol !== undefined) chain.push({ n, info });
    else closeChain();
    // The heredoc body belongs to this line (hclwrite keeps it in the same run).
    if (info.heredoc !== undefined) heredoc = info.heredoc;
  });
  closeChain();
  if (heredoc !== undefined) problems.push(`${file}: heredoc ${heredoc} is never closed`);
  if (indents.length) problems.push(`${file}: unbalanced brackets at end of file`);
  return problems;
}
