/** Reference cases segkit declines, by `<folder>/<case id>`, with the reason (README compatibility table). */
export const DECLINED: Record<string, string> = {};
