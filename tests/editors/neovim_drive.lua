-- Drives Neovim 0.7+ headless against the tokls server with the built-in LSP client.
-- Input: the JSON file named by $TOKLS_NVIM_CONFIG (see test_neovim.py). Output: JSON at cfg.result.
-- Run as: nvim --headless --clean -c "luafile neovim_drive.lua" </dev/null

local function read_json(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return vim.fn.json_decode(data)
end

local cfg = read_json(os.getenv("TOKLS_NVIM_CONFIG"))
local out = { steps = {}, log = {} }

local function write_result()
  local f = assert(io.open(cfg.result, "wb"))
  f:write(vim.fn.json_encode(out))
  f:close()
end

local function log(msg)
  table.insert(out.log, msg)
end

local function main()
  out.nvim = vim.version()
  vim.cmd("edit " .. vim.fn.fnameescape(cfg.file))
  local bufnr = vim.api.nvim_get_current_buf()

  -- raw publishDiagnostics params (LSP positions in the negotiated encoding), then the default
  -- handler, which turns them into vim.diagnostic entries (byte columns)
  local published = {}
  local on_publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
  local client_id = vim.lsp.start_client({
    name = "tokls",
    cmd = cfg.cmd,
    root_dir = cfg.root,
    init_options = { debounceMs = 0, model = "bert-base-uncased", showTokens = true },
    flags = { debounce_text_changes = 0, allow_incremental_sync = true },
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, result, ctx, conf)
        table.insert(published, result)
        return on_publish(err, result, ctx, conf)
      end,
      ["window/showMessage"] = function(_, result)
        log("showMessage: " .. vim.inspect(result))
      end,
    },
    on_exit = function(code, signal)
      out.server_exit = { code = code, signal = signal }
    end,
  })
  assert(client_id, "start_client failed")
  assert(vim.lsp.buf_attach_client(bufnr, client_id), "buf_attach_client failed")
  local client
  assert(vim.wait(20000, function()
    client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end, 10), "the server did not initialize")
  out.offset_encoding = client.offset_encoding

  -- record every textDocument/didChange the client sends
  local changes = {}
  local notify = client.notify
  client.notify = function(method, params)
    if method == "textDocument/didChange" then
      table.insert(changes, vim.deepcopy(params))
    end
    return notify(method, params)
  end

  -- wait for the publish computed for the buffer's current version, and report it
  local function diagnostics(label)
    local version = vim.lsp.util.buf_versions[bufnr]
    local raw
    local ok = vim.wait(20000, function()
      for i = #published, 1, -1 do
        if published[i].version == version then
          raw = published[i]
          return true
        end
      end
      return false
    end, 10)
    assert(ok, label .. ": no diagnostics for version " .. tostring(version))
    local step = { label = label, version = version, raw = raw.diagnostics, diagnostics = {} }
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      table.insert(step.diagnostics, {
        lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
        severity = d.severity, message = d.message, source = d.source, code = d.code,
      })
    end
    local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
    step.text = table.concat(lines, "\n") .. (vim.bo[bufnr].eol and "\n" or "")
    table.insert(out.steps, step)
  end

  diagnostics("open")

  -- hover: put the cursor on the target (line, byte column) and ask as the editor does
  vim.api.nvim_win_set_cursor(0, { cfg.hover.line + 1, cfg.hover.byte })
  local params = vim.lsp.util.make_position_params()
  out.hover_params = params
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 20000)
  assert(responses, "hover timed out")
  for _, resp in pairs(responses) do
    assert(not resp.err, "hover failed: " .. vim.inspect(resp.err))
    out.hover = resp.result
  end

  -- semantic tokens and inlay hints as raw requests (Neovim 0.7 has no client-side support for
  -- either: it neither asks nor draws them; 0.9 draws semantic tokens, 0.10 inlay hints)
  out.native = { semantic_tokens = vim.lsp.semantic_tokens ~= nil, inlay_hint = vim.lsp.inlay_hint ~= nil }
  out.server_semantic = client.server_capabilities.semanticTokensProvider
  local doc = { uri = vim.uri_from_bufnr(bufnr) }
  local function request(method, p)
    local resps = vim.lsp.buf_request_sync(bufnr, method, p, 20000)
    assert(resps, method .. " timed out")
    for _, resp in pairs(resps) do
      assert(not resp.err, method .. " failed: " .. vim.inspect(resp.err))
      return resp.result
    end
  end
  out.semantic = request("textDocument/semanticTokens/full", { textDocument = doc })
  local last = vim.api.nvim_buf_line_count(bufnr)
  out.inlay = request("textDocument/inlayHint", { textDocument = doc,
    range = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } } })

  -- edits, each followed by the diagnostics for the new version
  for _, e in ipairs(cfg.edits) do
    if e.kind == "set_lines" then
      vim.api.nvim_buf_set_lines(bufnr, e.start, e["end"], true, e.lines)
    else
      vim.api.nvim_buf_set_text(bufnr, e.row, e.byte, e.row, e.byte, e.lines)
    end
    diagnostics(e.label)
  end
  out.changes = changes

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return out.server_exit ~= nil end, 10)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  out.error = tostring(err)
end
local wrote, werr = pcall(write_result)
if not wrote then
  io.stderr:write("could not write results: " .. tostring(werr) .. "\n")
end
if ok and wrote then
  vim.cmd("qall!")
else
  io.stderr:write(tostring(err) .. "\n")
  vim.cmd("cquit! 1")
end
