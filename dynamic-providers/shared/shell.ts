/** Single quotes for POSIX sh: the value stays one word and nothing in it is expanded. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, "'\\''")}'`;
}
