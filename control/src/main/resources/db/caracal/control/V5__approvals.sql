-- Approvals of requests a require_approval rule holds. `open_digest` is the request digest while the
-- approval still answers for it (pending, approved, denied, until it expires or is used), null after:
-- one open approval per zone and digest.
create table approvals (
  id varchar(64) primary key,
  zone_id varchar(64) not null,
  digest varchar(64) not null,
  open_digest varchar(64),
  state varchar(16) not null,
  app_id varchar(128) not null,
  session_id varchar(128),
  resource varchar(1024) not null,
  summary text not null,
  ttl_seconds bigint not null,
  reuse varchar(16) not null,
  approvers text not null,
  request_id varchar(64) not null,
  requested_at bigint not null,
  expires_at bigint not null,
  decided_at bigint,
  decided_by varchar(256),
  comment text
);
create unique index approvals_open on approvals (zone_id, open_digest);
create index approvals_zone_state on approvals (zone_id, state);
