/** POSIX single quotes: everything literal, and a single quote as '\'' (close, escaped quote, reopen). */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}
