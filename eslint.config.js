// Lint: typescript-eslint's recommended rules plus a ban on circular imports, which keep the
// seams between components (connectors -> SampleSink, promql -> Querier, ...) one-directional.
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**'] },
  ...tseslint.configs.recommended,
  importX.flatConfigs.typescript,
  {
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Layers: schemas/ (formats and identities every part shares) <- pipeline/ and connectors/
      // <- ops/ (the roles that wire them). Connectors know only SampleSink; nothing below ops/
      // reaches up into it, and pipeline/ and connectors/ do not reach into each other.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './schemas', from: ['./connectors', './pipeline', './ops'], message: 'schemas/ is the bottom layer' },
            { target: './connectors', from: ['./pipeline', './ops'], message: 'a connector only knows SampleSink (schemas/sample-sink.ts)' },
            { target: './pipeline', from: ['./connectors', './ops'], message: 'what pipeline/ and connectors/ share belongs in schemas/' },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
);
