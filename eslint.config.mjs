// Lint for what this codebase has needed: promises left floating, code nobody uses, non-null
// assertions hiding a missing case, and lines past Prettier's width (Prettier formats the rest).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // What the build, tap and the tools write (ESLint reads no .gitignore), the fixtures (input documents, some broken on purpose) and docs.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tap/**', '**/.cache/**', '**/__pycache__/**', '**/.pytest_cache/**', 'fixtures/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
      'max-len': ['error', { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Tests read answers as untyped JSON and assert on them; a wrong guess fails the test, which is the point.
    files: ['test/**/*.ts', 'examples/**/*.ts'],
    rules: {
      // tap runs subtests in order whether or not `t.test()` is awaited; a top-level await per subtest adds nothing.
      '@typescript-eslint/no-floating-promises': 'off',
      // `answer.body.errors[0]!` says "this test expects one": the assertion right after checks it.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // tap's callbacks are async by convention, awaiting or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  // The inspector page's own scripts run in the browser.
  { files: ['inspector/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  prettier,
)
