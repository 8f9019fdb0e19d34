export { defaultImportConfig, importConfigSchema, type ImportConfig } from './config.js';
export { CsvFormatError, csvRows, parseCsvColumns, splitCsvRow, type CsvColumn, type CsvTimeFormat } from './csv-columns.js';
export { ImportLineError } from './errors.js';
export { expositionLines } from './exposition-lines.js';
export { createImportConnector, importFactory, type ImportSettings } from './factory.js';
export { ImportHandler, type ImportEndpoint } from './handler.js';
export { forEachLine, type BadLineCallback, type ImportFormat, type SeriesCallback } from './import-format.js';
export { readSeriesRuns, SERIES_RUNS_CONTENT_TYPE, SERIES_RUNS_PATH, SeriesRunsBodyError, SeriesRunsWriter, type SeriesRun } from './series-runs-body.js';
export { vmJsonLines } from './vm-json-lines.js';
