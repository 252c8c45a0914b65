import { S3Error } from './errors.ts';
import { element, S3_NAMESPACE, XML_DECLARATION } from './xml.ts';

/** An object's tag set, in the order it was given. */
export type TagSet = Array<[key: string, value: string]>;

/** S3's limits on object tags. */
const MAX_TAGS = 10;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/** Letters, numbers, spaces and `+ - = . _ : / @`, which S3 allows in tag keys and values. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function invalidTag(message: string, key: string, value: string): S3Error {
  return new S3Error(400, 'InvalidTag', message, { TagKey: key, TagValue: value });
}

/** 400 MalformedXML, S3's answer to a body it cannot read. */
export function malformedXml(): S3Error {
  return new S3Error(
    400,
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  );
}

/** Checks a tag set against S3's rules: at most 10 tags, unique keys, lengths, characters, no `aws:`. */
export function checkTags(tags: TagSet): TagSet {
  if (tags.length > MAX_TAGS) {
    throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
  }
  const seen = new Set<string>();
  for (const [key, value] of tags) {
    if (seen.has(key)) throw invalidTag('Cannot provide multiple Tags with the same key', key, value);
    seen.add(key);
    const keyLength = [...key].length;
    if (keyLength === 0 || keyLength > MAX_KEY_LENGTH) {
      throw invalidTag(`The TagKey you have provided is too long, max ${MAX_KEY_LENGTH}`, key, value);
    }
    if ([...value].length > MAX_VALUE_LENGTH) {
      throw invalidTag(`The TagValue you have provided is too long, max ${MAX_VALUE_LENGTH}`, key, value);
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidTag('Your TagKey cannot be prefixed with aws:', key, value);
    }
    if (!TAG_CHARACTERS.test(key)) throw invalidTag('The TagKey you have provided is invalid', key, value);
    if (!TAG_CHARACTERS.test(value))
      throw invalidTag('The TagValue you have provided is invalid', key, value);
  }
  return tags;
}

/**
 * The `x-amz-tagging` header of PutObject: URL query parameters (`k1=v1&k2=v2`), UTF-8 then URL
 * encoded, without duplicate keys.
 */
export function parseTaggingHeader(header: string): TagSet {
  const refuse = () =>
    new S3Error(
      400,
      'InvalidArgument',
      "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
      { ArgumentName: 'x-amz-tagging', ArgumentValue: header },
    );
  const tags: TagSet = [];
  for (const part of header.split('&').filter(Boolean)) {
    const separator = part.indexOf('=');
    const [rawKey, rawValue] =
      separator < 0 ? [part, ''] : [part.slice(0, separator), part.slice(separator + 1)];
    try {
      tags.push([
        decodeURIComponent(rawKey.replace(/\+/g, ' ')),
        decodeURIComponent(rawValue.replace(/\+/g, ' ')),
      ]);
    } catch {
      throw refuse();
    }
  }
  if (new Set(tags.map(([key]) => key)).size !== tags.length) throw refuse();
  return checkTags(tags);
}

const XML_ENTITIES: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };

function unescapeXml(text: string): string {
  if (/&(?!(quot|apos|lt|gt|amp|#\d+|#x[0-9a-f]+);)/i.test(text)) throw malformedXml();
  return text.replace(/&(quot|apos|lt|gt|amp|#\d+|#x[0-9a-f]+);/gi, (_, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return XML_ENTITIES[name] ?? '';
  });
}

/**
 * A `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` document: the body of
 * PutObjectTagging and the `tagging` field of a POST upload. Anything else is `MalformedXML`.
 */
export function parseTaggingXml(xml: string): TagSet {
  const document = xml.replace(/^\s*<\?xml[^>]*\?>/, '').trim();
  const match =
    /^<Tagging(?:\s+xmlns="[^"]*")?\s*>\s*(?:<TagSet\s*>([\s\S]*?)<\/TagSet>|<TagSet\s*\/>)\s*<\/Tagging>$/.exec(
      document,
    );
  if (!match) throw malformedXml();
  const tags: TagSet = [];
  let rest = (match[1] ?? '').trim();
  const tagPattern =
    /^<Tag\s*>\s*(?:<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>|<Value>([^<]*)<\/Value>\s*<Key>([^<]*)<\/Key>)\s*<\/Tag>\s*/;
  while (rest.length > 0) {
    const tag = tagPattern.exec(rest);
    if (!tag) throw malformedXml();
    const key = tag[1] ?? tag[4] ?? '';
    const value = tag[2] ?? tag[3] ?? '';
    tags.push([unescapeXml(key), unescapeXml(value)]);
    rest = rest.slice(tag[0].length);
  }
  return checkTags(tags);
}

/** GetObjectTagging's answer. */
export function renderTagging(tags: TagSet): string {
  const tagElements = tags
    .map(([key, value]) => `<Tag>${element('Key', key)}${element('Value', value)}</Tag>`)
    .join('');
  return `${XML_DECLARATION}<Tagging xmlns="${S3_NAMESPACE}"><TagSet>${tagElements}</TagSet></Tagging>`;
}
