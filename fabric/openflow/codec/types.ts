/** `T` with the keys `K` optional: the input form of a message whose fields have defaults. */
export type WithDefaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
