/** An error with one of the pool's own codes; error-map.ts gives each code its onepool class. */
export const poolError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code });
