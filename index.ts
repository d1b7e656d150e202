// SKELETON: wired up in issue 4 (config → reservation → components → outputs).
export {};
