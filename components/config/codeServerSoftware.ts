/**
 * The dev box's software when the stack config says nothing: the code-server release and the extensions
 * (capblocks:codeServer.version, capblocks:codeServer.extensions). Sources: docs/aws-notes.md#code-server-and-its-extensions.
 */

/**
 * code-server 4.138.0 (Code 1.138.0, released 2026-09-19, coder/code-server CHANGELOG.md); its .deb is a release
 * asset. Every default extension's current Open VSX version accepts its engine (the newest asks for Code ^1.105.0).
 */
export const CODE_SERVER_VERSION = "4.138.0";

/**
 * Python and Jupyter, then the extensions of the CDK setup capblocks replaces: AWS Toolkit, Amazon Q and Cline,
 * by their Open VSX ids (code-server's marketplace).
 */
export const DEFAULT_EXTENSIONS = [
    "ms-python.python",
    "ms-toolsai.jupyter",
    "amazonwebservices.aws-toolkit-vscode",
    "amazonwebservices.amazon-q-vscode",
    "saoudrizwan.claude-dev",
];
