export { replaceFile, replaceFileSync, temporaryFileOf, type ReplaceFileOptions } from './replace-file.js';
