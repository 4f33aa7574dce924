import * as path from 'path';

/** The bench's scratch space at the repository's root (git-ignored): subject bundles, ids files, CPU profiles. */
export const WORK_DIR = path.resolve(__dirname, '..', '..', '.bench');
/** Where the subjects are bundled (see `buildSubjects`). */
export const BUILD_DIR = path.join(WORK_DIR, 'build');
/** Where `--profile` writes the V8 CPU profiles of the stack and of each subject. */
export const PROFILE_DIR = path.join(WORK_DIR, 'profiles');
