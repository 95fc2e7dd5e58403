// Types of bin/dist-state.js (plain JavaScript, so the executable needs no build to start).
export declare const SOURCE_DIRS: readonly string[];
/** 'dist' when the compiled dist/ may run, otherwise why not. */
export declare function distState(root: URL, env?: Readonly<Record<string, string | undefined>>): string;
