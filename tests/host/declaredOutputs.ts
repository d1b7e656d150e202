import { readFileSync } from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./capture";

/**
 * The outputs a resource class declares (`declare public readonly x: pulumi.Output<…>`), read from its source so a
 * new output is checked without editing the test: each must reach state with a value after create.
 */
export function declaredOutputs(modulePath: string): string[] {
    const source = readFileSync(path.resolve(PROJECT_DIR, modulePath), "utf8");
    return [...source.matchAll(/declare public readonly (\w+): pulumi\.Output/g)].map((m) => m[1]);
}
