/** A response the mock sends that is not a refusal: the documented answer, or an OPTIONS reply. */
export class Answer {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: string | Buffer | undefined,
  ) {}
}
