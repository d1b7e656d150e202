import type { CodeServerConfig } from "../../components/config";
import { codeServerFrom } from "../../components/config/defaults";

/** An enabled code-server on trn2.3xlarge with the config defaults and a 300 GiB root, overridable per test. */
export const codeServerConfig = (over: Partial<CodeServerConfig> = {}): CodeServerConfig => ({
    ...codeServerFrom({ instanceType: "trn2.3xlarge", volumeSizeGb: 300, ...over }, undefined),
    ...over,
});
