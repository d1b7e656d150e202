/**
 * Test side of the offline mocks: install them with sensible defaults, then find what the program
 * registered and resolve outputs.
 */
import type { Assumptions, BlockFacts, MockRun, RecordedResource } from "../../scripts/offlineMocks";
import { installMocks, resolveOutputs, settle } from "../../scripts/offlineMocks";

export const REGION = "sa-east-1";

export function activeBlock(overrides: Partial<BlockFacts> = {}): BlockFacts {
    return {
        id: "cr-0123456789abcdef0",
        instanceType: "trn2.3xlarge",
        instanceCount: 1,
        availabilityZone: "sa-east-1b",
        state: "active",
        startDate: "2026-11-23T11:30:00.000Z",
        endDate: "2026-11-24T11:30:00.000Z",
        ...overrides,
    };
}

export async function mockAws(overrides: Partial<Assumptions> = {}): Promise<MockRun> {
    return installMocks({ region: REGION, availabilityZone: "sa-east-1a", amiId: "ami-0example000000001", ...overrides }, "capblocks", "test");
}

export function ofType(run: MockRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function oneOfType(run: MockRun, type: string): RecordedResource {
    const found = ofType(run, type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${run.resources.map((r) => r.type).join(", ")}`);
    return found[0];
}

/** Resolves an output (or tree of them) after every registration finished; secrets come back as "[secret]". */
export async function resolved<T = unknown>(value: unknown): Promise<T> {
    const out = (await resolveOutputs(value)) as T;
    await settle();
    return out;
}

export { settle };
