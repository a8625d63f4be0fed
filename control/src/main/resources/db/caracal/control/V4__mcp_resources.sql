-- MCP servers as resources: declared tools, masked argument paths, body limit (JSON); null for HTTP resources.
alter table resources add column mcp text;
