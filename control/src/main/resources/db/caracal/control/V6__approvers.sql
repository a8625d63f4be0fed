-- Named approvers: people who answer approvals, each with a bearer token shown once at creation,
-- stored only as its SHA-256 and valid until `expires_at`. A zone's optional webhook hears of each new pending approval. For
-- each approval, the approver groups of every require_approval rule that held and names groups
-- (JSON list of lists): an approver must belong to a group of each.
create table approvers (
  id varchar(64) primary key,
  zone_id varchar(64) not null references zones(id),
  name varchar(128) not null,
  groups_json text not null,
  token_hash varchar(128) not null unique,
  created_at bigint not null,
  expires_at bigint not null,
  unique (zone_id, name)
);
alter table zones add column approval_webhook varchar(2048);
alter table approvals add column approver_groups text;
