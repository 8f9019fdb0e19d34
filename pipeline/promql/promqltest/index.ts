export { runPromqlTestFiles, runEval, EXPERIMENTAL_FILES, type PromqlTestSummary, type PromqlTestOptions, type CaseResult, type CaseStatus } from './run-files.js';
export { MemoryQueryable } from './memory-storage.js';
export { memoryTestStorage, type TestStorage, type TestStorageFactory } from './test-storage.js';
export { parseTestFile, type Command, type EvalCommand } from './test-file.js';
export { TestFileError } from './errors.js';
