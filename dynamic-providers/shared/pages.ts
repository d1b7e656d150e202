/**
 * Enough pages for any listing the providers make (a search returns a handful of offerings, a command a page per
 * 50 instances); past it the listing is taken to be broken rather than long.
 */
const MAX_PAGES = 100;

/** The paginator settings every read uses: the SDK stops by itself when AWS repeats a page token. */
interface PaginatorSettings {
    stopOnSameToken: true;
}

/**
 * Every page of a paginated AWS read, or an error naming the read when AWS hands back a page token it gave before
 * (the SDK's paginator would otherwise ask for the same page forever) or keeps paging past MAX_PAGES. A listing cut
 * short is never returned as if complete: a block missing from it could be bought twice.
 */
export async function allPages<P extends { NextToken?: string }>(what: string, paginate: (settings: PaginatorSettings) => AsyncIterable<P>): Promise<P[]> {
    const pages: P[] = [];
    const tokens: string[] = [];
    for await (const page of paginate({ stopOnSameToken: true })) {
        pages.push(page);
        const token = page.NextToken;
        if (token && tokens.includes(token)) {
            throw Object.assign(new Error(`${what}: AWS answered page ${pages.length} with a page token it had already given (${token}); ` +
                "the listing would never end, so it was stopped"), { name: "PaginationError" });
        }
        if (token && pages.length >= MAX_PAGES) {
            throw Object.assign(new Error(`${what}: still more pages after ${MAX_PAGES}; the listing was stopped there`), { name: "PaginationError" });
        }
        if (token) tokens.push(token);
    }
    return pages;
}
