export * from "./fields.js";
export * from "./layout.js";
export * from "./messages.js";
export * from "./problems.js";
export * from "./ids.js";
export * from "./type-codes.js";
export * from "./template.js";
