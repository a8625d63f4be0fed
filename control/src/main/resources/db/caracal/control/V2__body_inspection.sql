-- Resources may ask the Gateway to read JSON request bodies (content types, maximum bytes).
alter table resources add column body_inspection text;
