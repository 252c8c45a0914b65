-- Image uploads: one row per presigned upload, so that attaching an image to a message can check who
-- uploaded it and what they declared, without trusting the client. Applied one statement at a time.

create table uploads (
  -- Also the object's name: images/<id>.<extension of content_type>.
  id uuid primary key,
  owner_id text not null references users (id) on delete cascade,
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/gif', 'image/webp')),
  -- The size the client declared; the presigned POST's policy allows no more.
  declared_size integer not null check (declared_size > 0),
  created_at timestamptz not null default now(),
  -- When the presigned POST stops being accepted.
  expires_at timestamptz not null,
  -- The message that took the upload: set once, by the statement that stores that message.
  message_id uuid references messages (id) on delete set null,
  attached_at timestamptz
);

create index uploads_by_owner on uploads (owner_id, created_at desc);
