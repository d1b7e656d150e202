/**
 * A resource that failed part-way (a task failed, a payment failed) must stay in state with its id and progress.
 * Pulumi's dynamic-provider host reports it as ErrorResourceInitFailed, sending `properties` back to the engine in
 * the `grpc-status-details-bin` trailer — and the host's HTTP/2 server silently never sends a trailer of more than
 * about 60,000 bytes: the engine's call then times out and the id and progress are lost (measured through the real
 * host in tests/host/). The full serialized provider alone is over 55,000 characters, and a code-server task list
 * adds 15,000 more.
 *
 * So the properties carry this state-only provider instead of the full one. The host uses the stored provider
 * only for `read` and `delete` of the resource (diff and update run the new inputs' provider), and the next
 * successful `up` stores the full provider again. Until then refresh keeps the state as it is and destroy calls
 * no AWS: both safe for CapacityBlock (a block cannot be cancelled) and SsmTasks (delete sends nothing).
 */
export function stateOnlyProvider(deleteNotice: string): string {
    return (
        "exports.handler = function () { return {" +
        " read: async function (id, props) { return { id: id, props: props }; }," +
        ` delete: async function () { var notice = ${JSON.stringify(deleteNotice)}; if (notice) { console.log(notice); } }` +
        " }; };"
    );
}

/** An error the host turns into ErrorResourceInitFailed, keeping `id` and `properties` in state. */
export function keptInState(message: string, id: string, properties: object, deleteNotice = ""): Error {
    return Object.assign(new Error(message), {
        id,
        properties: { ...properties, __provider: stateOnlyProvider(deleteNotice) },
        reasons: [message],
    });
}
