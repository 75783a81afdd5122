/** A realistic OpenAPI 3.1 document: `operations / 5` resources x 5 operations, plus GET /health. */
export function generateSpec(operations?: number): Record<string, unknown>
/** Writes the document as YAML (default: $TMPDIR/doorman-bench/spec-N.yaml); returns its path. */
export function writeGeneratedSpec(operations?: number, out?: string): string
