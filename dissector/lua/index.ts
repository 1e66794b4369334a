export { generateLua, luaSpec, LUA_PROTO_NAME, LUA_PROTO_DESCRIPTION } from "./generate.js";
export { installLua, personalPluginsDir, LUA_FILE_NAME, type InstallResult } from "./install.js";
