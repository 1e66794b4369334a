export { decode, describeType } from "./decode.js";
export { encode, type LengthOverrides } from "./encode.js";
export { isValidUsername, readUsername } from "./field-codec.js";
export { headerValue, readHeader } from "./header.js";
export type { Decoded, ImpHeader, ImpMessage, ImpOptions, ListEntry, MessageInput } from "./message.js";
