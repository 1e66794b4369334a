export * from "./fields.js";
export * from "./messages.js";
export * from "./problems.js";
export * from "./ids.js";
