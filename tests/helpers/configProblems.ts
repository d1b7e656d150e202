import { expect } from "chai";
import type { RawStackConfig } from "../../components/config";
import { ConfigError, validateStackConfig } from "../../components/config";

/** The problems a config is refused with; fails the test when it is accepted or refused any other way. */
export function problemsOf(raw: RawStackConfig): string[] {
    try {
        validateStackConfig(raw);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    throw new Error("expected a ConfigError");
}
