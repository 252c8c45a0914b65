-- Channel names are unique by what people see, not by their bytes: `name_key` is the name's Unicode
-- NFKC form under full case folding (`channelNameKey` in functions/domain/channels/channel-name-key.ts,
-- which documents each step). PostgreSQL 17 has no full case folding (`casefold()` arrives in 18), so
-- `channel_name_key` spells out the same steps for the rows that exist now and for rows that code older
-- than this migration still inserts during a deploy; the functions compute the key themselves.
-- Applied one statement at a time.

-- `pg_c_utf8` lowercases by Unicode's own tables, whatever the database's locale.
create function channel_name_key(name text) returns text
language sql immutable strict parallel safe
return normalize(
  regexp_replace(
    regexp_replace(
      replace(
        lower(
          translate(
            replace(replace(normalize(normalize(name, nfkc), nfd), U&'\00DF', 'ss'), U&'\1E9E', 'ss'),
            U&'\0345\1C80\1C81\1C82\1C83\1C84\1C85\1C86\1C87\1C88',
            U&'\03B9\0432\0434\043E\0441\0442\0442\044A\0463\A64B'
          ) collate pg_c_utf8
        ),
        U&'\03C2', U&'\03C3'
      ),
      '[\uFE00-\uFE0F\U000E0100-\U000E01EF]', '', 'g'
    ),
    ' {2,}', ' ', 'g'
  ),
  nfkc
);

alter table channels add column name_key text;

-- Code older than this migration inserts channels without a key: the database computes it, and
-- recomputes it for a name changed without its key.
create function channels_fill_name_key() returns trigger
language plpgsql as $$
begin
  if new.name_key is null
     or (tg_op = 'UPDATE' and new.name is distinct from old.name and new.name_key = old.name_key) then
    new.name_key := channel_name_key(new.name);
  end if;
  return new;
end
$$;

create trigger channels_fill_name_key before insert or update of name, name_key on channels
for each row execute function channels_fill_name_key();

update channels set name_key = channel_name_key(name);

-- Names that only the new rule finds equal (`STRASSE` and `straße`, made when only lower() was compared)
-- all stay, under their names: the oldest keeps the plain key, and each later one gets its key followed
-- by U+001F and its own id, which no name can produce (names may not contain control characters). So
-- the backfill cannot fail and no channel is lost; a new channel still cannot take any of these names.
update channels c set name_key = c.name_key || U&'\001F' || c.id::text
from (
  select id, row_number() over (partition by name_key order by created_at, id) as n from channels
) ranked
where ranked.id = c.id and ranked.n > 1;

alter table channels alter column name_key set not null;

create unique index channels_name_key_unique on channels (name_key);
