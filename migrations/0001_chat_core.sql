-- The chat's core: people and bots, channels, membership and messages.
-- Applied through the Data API one statement at a time (see README, "Migrations").

-- One row per identity: a person (the token's `sub`) or a bot (an API key's own id).
create table users (
  id text primary key,
  username text not null,
  kind text not null default 'person' check (kind in ('person', 'bot')),
  -- A person's membership of the admin group, refreshed from their token; a bot borrows its owner's.
  is_admin boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table channels (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 80),
  description text not null default '',
  visibility text not null default 'public' check (visibility in ('public', 'private')),
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  -- Highest seq handed out and the number of messages: kept exact by the statement that inserts a
  -- message, so neither needs a max() or count(*).
  last_seq bigint not null default 0,
  message_count bigint not null default 0
);

-- Names are unique regardless of case.
create unique index channels_name_unique on channels (lower(name));

create table channel_members (
  channel_id uuid not null references channels (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'member')),
  joined_at timestamptz not null default now(),
  primary key (channel_id, user_id)
);

create index channel_members_by_user on channel_members (user_id);

create table messages (
  id uuid primary key default gen_random_uuid(),
  channel_id uuid not null references channels (id) on delete cascade,
  seq bigint not null,
  user_id text not null references users (id),
  user_name text not null,
  content text not null,
  client_message_id text,
  attachments jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  -- History pages walk this index, so a page deep in a channel costs what the first page costs.
  constraint messages_channel_seq_unique unique (channel_id, seq),
  -- One message per idempotency key and sender in a channel, however often or concurrently it is sent.
  constraint messages_idempotency_unique unique (channel_id, user_id, client_message_id)
);

-- A bot's key: the bot is the `users` row with the same id (kind 'bot'). Only a hash of the secret is kept.
create table api_keys (
  id uuid primary key,
  owner_id text not null references users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 80),
  key_hash text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);

create index api_keys_by_owner on api_keys (owner_id, created_at desc);

insert into channels (name, description) values
  ('general', 'Anything and everything.'),
  ('random', 'Off-topic chatter.');
