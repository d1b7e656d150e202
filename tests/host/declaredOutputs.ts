import { readFileSync } from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./capture";

/**
 * The outputs a resource class declares (`declare public readonly x: pulumi.Output<…>`), read from its source so a
 * new output is checked without editing the test: each must reach state with a value after create. Throws when the
 * file declares no such class or the class no output, so a moved class or a reformatted field fails the test
 * instead of leaving it nothing to check.
 */
export function declaredOutputs(modulePath: string, className: string): string[] {
    const source = readFileSync(path.resolve(PROJECT_DIR, modulePath), "utf8");
    const start = source.search(new RegExp(`\\bclass ${className}\\b`));
    if (start < 0) throw new Error(`${modulePath} declares no class ${className}: point the test at the file that does`);
    const next = source.slice(start + 1).search(/\nexport /);
    const body = next < 0 ? source.slice(start) : source.slice(start, start + 1 + next);
    const outputs = [...body.matchAll(/declare public readonly (\w+): pulumi\.Output/g)].map((m) => m[1]);
    if (outputs.length === 0) throw new Error(`class ${className} in ${modulePath} declares no \`declare public readonly x: pulumi.Output\` field`);
    return outputs;
}
