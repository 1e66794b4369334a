/**
 * The hand-written part of the generated Lua dissector: a generic interpreter of the `SPEC`
 * table that generate.ts writes before it. It knows no field, message or problem by content:
 * it reads the header fields, picks the layout the Header Length selects, reads its slots and
 * repeated items, checks the value classes and Source/Group rules, and reports problems by
 * their keys with the sentences of their templates, in the same order and under the same
 * conditions as src/codec/decode.ts. Then it
 * builds the tree the way dissector/tree/build-tree.ts does and attaches expert items to the
 * field each problem names.
 *
 * Kept as a TS string (no `${` and no backquotes inside) so that it ships with the compiled
 * package without a separate asset.
 */
export const LUA_RUNTIME = String.raw`
-- Generic interpreter of SPEC (hand-written; everything about IMP is in SPEC above).
local byte, char, sub, find, format, concat, floor = string.byte, string.char, string.sub, string.find, string.format, table.concat, math.floor
local band = (bit32 and bit32.band) or bit.band

local HL = SPEC.header_length
local H = {}
for _, def in ipairs(SPEC.header) do H[def.key] = def end
local P = SPEC.problems
local proto = Proto(SPEC.proto_name, SPEC.proto_description)

-- Fields: one ProtoField per spec field, found by filter name.
local F = {}
local field_list = {}
local function protofield(def, abbrev, label)
  local f
  if def.ftype == "bool" then
    f = ProtoField.bool(abbrev, label, def.size * 8, def.tfs, def.mask, def.blurb)
  elseif def.ftype == "uint8" or def.ftype == "uint16" then
    local b = def.base == "hex" and base.HEX or base.DEC
    f = ProtoField[def.ftype](abbrev, label, b, def.vs, def.mask ~= 0 and def.mask or nil, def.blurb)
  elseif def.ftype == "string" then
    f = ProtoField.string(abbrev, label, base.NONE, def.blurb)
  elseif def.ftype == "ipv4" then
    f = ProtoField.ipv4(abbrev, label, def.blurb)
  else
    f = ProtoField.none(abbrev, label, def.blurb)
  end
  field_list[#field_list + 1] = f
  return f
end
for _, def in ipairs(SPEC.header) do def.pf = protofield(def, def.abbrev, def.label) end
-- A repeated one-byte list (the invitees) has no field of its own for its subtree: a text item
-- holds one uint item a member, under the list's name, so that a filter such as
-- imp.invitees == 3 compares members (a second field of the same name but another type would
-- make Wireshark 4.0's filter engine abort).
local ITEM = {}
for _, key in ipairs(SPEC.option_keys) do
  local def = SPEC.options[key]
  if def.item_label then
    ITEM[key] = { abbrev = def.abbrev, label = def.label, size = def.size, mask = 0, shift = 0, base = def.base, valid = def.valid, problem = def.problem }
    ITEM[key].pf = protofield({ ftype = "uint" .. (def.size * 8), base = def.base, mask = 0, blurb = def.blurb }, def.abbrev, def.item_label)
  else
    def.pf = protofield(def, def.abbrev, def.label)
  end
end
for _, def in ipairs(SPEC.entry) do def.pf = protofield(def, def.abbrev, def.label) end
proto.fields = field_list

-- Expert items: one per problem of the table.
local EXPERT_GROUP = { malformed = expert.group.MALFORMED, protocol = expert.group.PROTOCOL }
local EXPERT_SEVERITY = { error = expert.severity.ERROR, warning = expert.severity.WARN, note = expert.severity.NOTE, chat = expert.severity.CHAT }
local expert_list = {}
for _, key in ipairs(SPEC.problem_keys) do
  local p = P[key]
  p.ei = ProtoExpert.new(p.id, p.summary, EXPERT_GROUP[p.category], EXPERT_SEVERITY[p.severity])
  expert_list[#expert_list + 1] = p.ei
end
proto.experts = expert_list

-- Value classes (client, private group, ...) as ranges of 0..255.
local function in_classes(v, classes)
  for _, c in ipairs(classes) do
    for _, r in ipairs(SPEC.classes[c]) do
      if v >= r[1] and v <= r[2] then return true end
    end
  end
  return false
end
local function classes_text(classes)
  local t = {}
  for i, c in ipairs(classes) do t[i] = SPEC.class_text[c] end
  return concat(t, " or ")
end

-- Templates of the table (problem sentences, list entries): literal strings and
-- { f = name, fmt = format } references filled from the table of values v.
local FORMATS = {
  s = function(x) return x == 1 and "" or "s" end,
  hex2 = function(x) return format("%02x", x) end,
}
local function fill(template, v)
  local out = {}
  for i, part in ipairs(template) do
    if type(part) == "string" then out[i] = part
    else
      local x = v[part.f]
      if part.fmt then out[i] = FORMATS[part.fmt](x)
      elseif type(x) == "number" then out[i] = format("%d", x)
      else out[i] = tostring(x) end
    end
  end
  return concat(out)
end
-- The sentence of a problem (variant: one of its other sentences).
local function problem_text(key, v, variant)
  local p = P[key]
  return fill(variant and p.variants[variant] or p.text, v)
end

-- Reading values from the datagram bytes s (a Lua string); offsets are 0-based.
local function read_uint(s, o, def)
  local raw = def.size == 2 and byte(s, o + 1) * 256 + byte(s, o + 2) or byte(s, o + 1)
  if def.mask == 0 then return raw end
  return floor(band(raw, def.mask) / 2 ^ def.shift)
end

-- Username: trailing spaces and NULs stripped; bytes outside printable ASCII as \xNN.
local function read_username(s, o, size)
  local e = o + size
  while e > o do
    local c = byte(s, e)
    if c == 0x20 or c == 0 then e = e - 1 else break end
  end
  local valid = e > o
  local out = {}
  for i = o + 1, e do
    local c = byte(s, i)
    if c == 0x5c then out[#out + 1] = "\\\\"
    elseif c >= 0x20 and c <= 0x7e then out[#out + 1] = char(c)
    else out[#out + 1] = format("\\x%02x", c) end
    if c < 0x21 or c > 0x7e then valid = false end
  end
  return concat(out), valid
end

local function utf8_char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xc0 + floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then return char(0xe0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40) end
  return char(0xf0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40, 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end
local REPLACEMENT = utf8_char(0xfffd)

-- UTF-8 text with each maximal invalid subsequence replaced by U+FFFD (WHATWG, as Node does).
local function decode_utf8(b)
  if not find(b, "[\128-\255]") then return b, true end
  local out, valid = {}, true
  local need, seen, cp, lower, upper = 0, 0, 0, 0x80, 0xbf
  local i, n = 1, #b
  while i <= n do
    local c = byte(b, i)
    if need == 0 then
      if c <= 0x7f then out[#out + 1] = char(c)
      elseif c >= 0xc2 and c <= 0xdf then need, cp = 1, c - 0xc0
      elseif c >= 0xe0 and c <= 0xef then
        if c == 0xe0 then lower = 0xa0 elseif c == 0xed then upper = 0x9f end
        need, cp = 2, c - 0xe0
      elseif c >= 0xf0 and c <= 0xf4 then
        if c == 0xf0 then lower = 0x90 elseif c == 0xf4 then upper = 0x8f end
        need, cp = 3, c - 0xf0
      else out[#out + 1] = REPLACEMENT; valid = false end
      i = i + 1
    elseif c < lower or c > upper then
      need, seen, cp, lower, upper = 0, 0, 0, 0x80, 0xbf
      out[#out + 1] = REPLACEMENT; valid = false
      -- the byte is read again as the start of a new sequence
    else
      lower, upper = 0x80, 0xbf
      cp = cp * 0x40 + (c - 0x80)
      seen = seen + 1
      if seen == need then
        out[#out + 1] = utf8_char(cp)
        need, seen, cp = 0, 0, 0
      end
      i = i + 1
    end
  end
  if need ~= 0 then out[#out + 1] = REPLACEMENT; valid = false end
  return concat(out), valid
end

-- JSON-style quoting, as impkit displays the payload.
local JSON_ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function quote(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return JSON_ESC[c] or (byte(c) < 0x20 and format("\\u%04x", byte(c))) or c
  end) .. '"'
end

-- Decoding, step for step as src/codec/decode.ts.
local function add_problem(d, key, text, offset, length, field)
  d.problems[#d.problems + 1] = { key = key, text = text, offset = offset, length = length, field = field }
  if P[key].category == "malformed" then d.malformed = true end
end

local function check_value(d, def, v, o)
  if def.valid and def.problem and not in_classes(v, def.valid) then
    add_problem(d, def.problem, problem_text(def.problem, { label = def.label, value = v, expected = classes_text(def.valid) }), o, def.size, def.abbrev)
  end
end

-- Reads one field into target[def.key]; returns the value.
local function read_field(s, d, def, o)
  local v
  if def.kind == "username" then
    local valid
    v, valid = read_username(s, o, def.size)
    if not valid and def.problem then
      add_problem(d, def.problem, problem_text(def.problem, { text = v }), o, def.size, def.abbrev)
    end
  elseif def.kind == "ipv4" then
    v = format("%d.%d.%d.%d", byte(s, o + 1, o + 4))
  else
    v = read_uint(s, o, def)
    check_value(d, def, v, o)
  end
  return v
end

local function check_ids(d, m, name, src, group)
  if not in_classes(m.src, src) then
    add_problem(d, "src", problem_text("src", { label = H.src.label, value = m.src, message = name, expected = classes_text(src) }), H.src.offset, H.src.size, H.src.abbrev)
  end
  if not in_classes(m.group, group) then
    add_problem(d, "group", problem_text("group", { label = H.group.label, value = m.group, message = name, expected = classes_text(group) }), H.group.offset, H.group.size, H.group.abbrev)
  end
end

local function match_layout(spec, hlen)
  for _, layout in ipairs(spec.layouts) do
    local extra = hlen - layout.base
    if not layout.rep then
      if extra == 0 then return layout, 0 end
    elseif extra >= 0 and extra % layout.rep.size == 0 and extra / layout.rep.size >= layout.rep.min then
      return layout, extra / layout.rep.size
    end
  end
  return nil, 0
end

local function read_options(s, d, m, layout, count)
  for _, slot in ipairs(layout.slots) do
    for _, key in ipairs(slot.fields) do m[key] = read_field(s, d, SPEC.options[key], slot.offset) end
  end
  local rep = layout.rep
  if not rep then return end
  local o = layout.base
  local list = {}
  if ITEM[rep.field] then
    local item, seen = ITEM[rep.field], {}
    for i = 1, count do
      local v = read_uint(s, o, item)
      check_value(d, item, v, o)
      if seen[v] and rep.duplicate then add_problem(d, rep.duplicate, problem_text(rep.duplicate, { value = v }), o, rep.size, item.abbrev) end
      seen[v] = true
      list[i] = v
      o = o + rep.size
    end
  else
    for i = 1, count do
      local e = {}
      for _, def in ipairs(SPEC.entry) do e[def.key] = read_field(s, d, def, o + def.offset) end
      list[i] = e
      o = o + rep.size
    end
  end
  m[rep.field] = list
end

-- d = { length, msg (nil when shorter than the header), spec, layout, count, problems, malformed }
local function analyse(s)
  local length = #s
  local d = { length = length, count = 0, problems = {}, malformed = false }
  if length < HL then
    add_problem(d, "short", problem_text("short", { length = length, header = HL }), 0, length)
    return d
  end
  local m = {}
  for _, def in ipairs(SPEC.header) do m[def.key] = read_uint(s, def.offset, def) end
  d.msg = m
  local spec = SPEC.messages[m.type]
  d.spec = spec
  for _, def in ipairs(SPEC.header) do
    local v = m[def.key]
    if def.valid then check_value(d, def, v, def.offset) end
  end
  if not spec then add_problem(d, "unknownType", problem_text("unknownType", { type = m.type }), H.type.offset, H.type.size, H.type.abbrev) end
  local hlen = m.hlen
  if hlen < HL then
    add_problem(d, "hlenMin", problem_text("hlenMin", { hlen = hlen, header = HL }), H.hlen.offset, H.hlen.size, H.hlen.abbrev)
    return d
  end
  if hlen > length then
    add_problem(d, "hlenBeyond", problem_text("hlenBeyond", { hlen = hlen, length = length }), H.hlen.offset, H.hlen.size, H.hlen.abbrev)
    return d
  end
  if m.ack == 1 then
    check_ids(d, m, SPEC.ack.name, SPEC.ack.src, SPEC.ack.group)
    if hlen ~= HL then
      add_problem(d, "ackHlen", problem_text("ackHlen", { hlen = hlen, header = HL }), H.hlen.offset, H.hlen.size, H.hlen.abbrev)
      return d
    end
    d.layout = { base = HL, slots = {} }
    if length ~= HL then add_problem(d, "trailing", problem_text("trailing", { count = length - HL }, "ack"), HL, length - HL) end
    if spec and spec.implicit then
      add_problem(d, "implicitAck", problem_text("implicitAck", { message = spec.name }), H.ack.offset, H.ack.size, H.ack.abbrev)
    end
    return d
  end
  if not spec then return d end
  local layout, count = match_layout(spec, hlen)
  if not layout then
    add_problem(d, "hlenType", problem_text("hlenType", { hlen = hlen, message = spec.name, rule = spec.hl_rule }), H.hlen.offset, H.hlen.size, H.hlen.abbrev)
    return d
  end
  d.layout, d.count = layout, count
  if not spec.payload and length ~= hlen then
    add_problem(d, "trailing", problem_text("trailing", { count = length - hlen, message = spec.name }), hlen, length - hlen)
  end
  check_ids(d, m, spec.name, spec.src, spec.group)
  read_options(s, d, m, layout, count)
  local pl = layout.payload
  if spec.payload and pl then
    local len_def, data_def = SPEC.options[pl.len], SPEC.options[pl.field]
    local data_len = m[len_def.key] or 0
    local available = length - hlen
    local n = available < data_len and available or data_len
    local text, valid = decode_utf8(sub(s, hlen + 1, hlen + n))
    m[data_def.key] = text
    d.payload_field = data_def
    d.payload_length = n
    if available ~= data_len then
      local values = { dataLen = data_len, available = available, extra = available - data_len }
      add_problem(d, "dataLen", problem_text("dataLen", values, available > data_len and "extra" or nil), pl.len_offset, len_def.size, len_def.abbrev)
    end
    if not valid and data_def.problem then add_problem(d, data_def.problem, problem_text(data_def.problem, {}), hlen, n, data_def.abbrev) end
  end
  return d
end

-- True when a datagram is plausible IMP: an assigned type, a fitting HL, nothing malformed.
local function looks_like_imp(d)
  return d.msg ~= nil and d.spec ~= nil and d.layout ~= nil and not d.malformed
end

-- Info column, from the templates of the table.
local function client_text(id) return id == 0 and "server" or tostring(id) end
-- The payload in the Info column: cut to 59 UTF-16 units and an ellipsis past 60, as
-- JavaScript counts a string's length (a character beyond U+FFFF counts twice; a cut through one
-- keeps its high surrogate, escaped as JSON.stringify does).
local function quote_info(text)
  local units = 0
  for ch in text:gmatch("[%z\1-\127\194-\244][\128-\191]*") do units = units + (#ch == 4 and 2 or 1) end
  if units <= 60 then return quote(text) end
  local kept, n, half = {}, 0, ""
  for ch in text:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    local u = #ch == 4 and 2 or 1
    if n + u > 59 then
      if n == 58 and u == 2 then
        local cp = (byte(ch, 1) - 0xf0) * 0x40000 + (byte(ch, 2) - 0x80) * 0x1000 + (byte(ch, 3) - 0x80) * 0x40 + (byte(ch, 4) - 0x80)
        half = format("\\u%04x", 0xd800 + floor((cp - 0x10000) / 0x400))
      end
      break
    end
    kept[#kept + 1] = ch
    n = n + u
  end
  local q = quote(concat(kept))
  return sub(q, 1, -2) .. half .. "\226\128\166" .. '"'
end
local FIELD_BY_KEY = {}
for _, def in ipairs(SPEC.header) do FIELD_BY_KEY[def.key] = def end
for key, def in pairs(SPEC.options) do FIELD_BY_KEY[key] = def end
local function info_value(m, key)
  local def, v = FIELD_BY_KEY[key], m[key]
  local how = def.info
  if how == "text" then return quote_info(v or "") end
  if how == "clients" then
    local t = {}
    for i, id in ipairs(v or {}) do t[i] = client_text(id) end
    return concat(t, ", ")
  end
  if how == "entries" then
    local list = v or {}
    if #list == 0 then return "0 entries" end
    if #list > 3 then return #list .. " entries" end
    local t = {}
    for i, e in ipairs(list) do t[i] = fill(def.item_info, e) end
    return concat(t, ", ")
  end
  if how == "client" then return client_text(v or 0) end
  if how == "name" then return def.vs[v] or tostring(v) end
  if how == "name_lower" then return (def.vs[v] or tostring(v)):lower() end
  return tostring(v or "")
end
local function info_text(d)
  local m = d.msg
  local tname = SPEC.type_names[m.type]
  if m.ack == 1 then
    return "ACK " .. tname .. " seq=" .. m.seq .. (m.src ~= 0 and (" by " .. client_text(m.src)) or "")
  end
  local spec = d.spec
  if not spec or not d.layout then return tname .. " seq=" .. m.seq end
  local out = {}
  for _, part in ipairs(spec.info) do
    out[#out + 1] = type(part) == "string" and part or info_value(m, part.f)
  end
  local rest = concat(out)
  return spec.name .. (rest ~= "" and (" " .. rest) or "") .. " seq=" .. m.seq
end

-- Info with the first malformed problem marked, as dissector/summary/summary-line.ts does.
local function summary_info(d)
  local first
  for _, p in ipairs(d.problems) do
    if P[p.key].category == "malformed" then first = p; break end
  end
  if not d.msg then return "[Malformed: " .. (first and first.text or "short datagram") .. "]" end
  local info = info_text(d)
  if first then info = info .. " [Malformed: " .. first.text .. "]" end
  return info
end

-- Tree, as dissector/tree/build-tree.ts builds it.
local function add_uint(parent, def, tvb, o, v, nodes)
  local item = parent:add(def.pf, tvb(o, def.size))
  if def.partial and def.vs[v] == nil then item:set_text(def.label .. ": " .. v) end
  if nodes then nodes[#nodes + 1] = { abbrev = def.abbrev, offset = o, length = def.size, item = item } end
  return item
end

local function add_field(parent, def, tvb, o, v, nodes)
  if def.kind == "uint" then return add_uint(parent, def, tvb, o, v, nodes) end
  local item
  if def.kind == "username" then item = parent:add(def.pf, tvb(o, def.size), v)
  else item = parent:add(def.pf, tvb(o, def.size)) end
  if nodes then nodes[#nodes + 1] = { abbrev = def.abbrev, offset = o, length = def.size, item = item } end
  return item
end

local function root_text(d)
  local m = d.msg
  if not m then return format("%s, malformed (%d bytes)", SPEC.proto_description, d.length) end
  local name = SPEC.type_names[m.type]
  if m.ack == 1 then name = SPEC.ack.name .. " of " .. name end
  return format("%s, %s, Src: %d, Group: %d, Seq: %d", SPEC.proto_description, name, m.src, m.group, m.seq)
end

local function build_tree(d, tvb, tree)
  local root = tree:add(proto, tvb())
  root:set_text(root_text(d))
  -- Items are remembered only when there is a problem to attach to one of them.
  local nodes = #d.problems > 0 and { { abbrev = SPEC.proto_name, offset = 0, length = d.length, item = root, children = true } }
  local m = d.msg
  if m then
    for _, def in ipairs(SPEC.header) do add_uint(root, def, tvb, def.offset, m[def.key], nodes) end
    local layout = d.layout
    if layout then
      for _, slot in ipairs(layout.slots) do
        for _, key in ipairs(slot.fields) do add_field(root, SPEC.options[key], tvb, slot.offset, m[key], nodes) end
      end
      local rep = layout.rep
      if rep then
        local o = layout.base
        local list = m[rep.field]
        local item = ITEM[rep.field]
        if item then
          local shown = {}
          for i, v in ipairs(list) do shown[i] = tostring(v) end
          local sub_item = root:add(tvb(o, #list * rep.size), SPEC.options[rep.field].label .. ": " .. concat(shown, ", "))
          if nodes then nodes[#nodes + 1] = { abbrev = rep.abbrev, offset = o, length = #list * rep.size, item = sub_item, children = #list > 0 } end
          for i, v in ipairs(list) do add_uint(sub_item, item, tvb, o + (i - 1) * rep.size, v, nodes) end
        else
          for i, e in ipairs(list) do
            local at = o + (i - 1) * rep.size
            local sub_item = root:add(SPEC.options[rep.field].pf, tvb(at, rep.size))
            sub_item:set_text(format("%s %d: %s", SPEC.options[rep.field].label, i, fill(SPEC.options[rep.field].item_text, e)))
            if nodes then nodes[#nodes + 1] = { abbrev = rep.abbrev, offset = at, length = rep.size, item = sub_item, children = true } end
            for _, def in ipairs(SPEC.entry) do add_field(sub_item, def, tvb, at + def.offset, e[def.key], nodes) end
          end
        end
      end
      if d.payload_length then
        local def = d.payload_field
        local text = m[def.key]
        local item = root:add(def.pf, tvb(m.hlen, d.payload_length), text)
        item:set_text(def.label .. ": " .. quote(text))
        if nodes then nodes[#nodes + 1] = { abbrev = def.abbrev, offset = m.hlen, length = d.payload_length, item = item } end
      end
    end
  end
  -- Each problem on the deepest item of the field it names that covers its bytes, else the root.
  for _, p in ipairs(d.problems) do
    local target = root
    if p.field then
      for _, n in ipairs(nodes) do
        local len = n.length > 0 and n.length or 1
        if n.abbrev == p.field and p.offset >= n.offset and p.offset < n.offset + len then
          target = n.item
          if not n.children then break end
        end
      end
    end
    target:add_proto_expert_info(P[p.key].ei, p.text)
  end
end

local function dissect(d, tvb, pinfo, tree)
  pinfo.cols.protocol = "IMP"
  pinfo.cols.info = summary_info(d)
  build_tree(d, tvb, tree)
  return d.length
end

function proto.dissector(tvb, pinfo, tree)
  return dissect(analyse(tvb:raw()), tvb, pinfo, tree)
end

-- Heuristic for other UDP ports: the same rule as impkit's recogniser.
local function heuristic(tvb, pinfo, tree)
  if tvb:len() < HL then return false end
  local d = analyse(tvb:raw())
  if not looks_like_imp(d) then return false end
  dissect(d, tvb, pinfo, tree)
  return true
end

-- Registration: UDP port (preference imp.port), Decode As, heuristic imp_udp.
proto.prefs.port = Pref.uint("UDP port", SPEC.default_port, "UDP port that carries IMP (other ports: heuristic)")
local udp_port = DissectorTable.get("udp.port")
local current_port = SPEC.default_port
udp_port:add(current_port, proto)
udp_port:add_for_decode_as(proto)
function proto.prefs_changed()
  if proto.prefs.port ~= current_port then
    if current_port ~= 0 then udp_port:remove(current_port, proto) end
    current_port = proto.prefs.port
    if current_port ~= 0 then udp_port:add(current_port, proto) end
  end
end
proto:register_heuristic("udp", heuristic)
`;
