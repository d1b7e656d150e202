/**
 * Loaded by mocha before any test (`.mocharc.json`, `tests/host/.mocharc.json`); child processes the tests start
 * inherit the environment. Under Node < 22 the AWS SDK prints a NodeVersionSupportWarning on every run, saying its
 * releases after January 2027 will need Node 22 (@aws-sdk/core emitWarningIfUnsupportedVersion); the pinned SDK
 * runs on Node 20, and the tests stay quiet about it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
