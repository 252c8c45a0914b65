/**
 * How uploaded images are laid out in the media bucket, shared by the stack (which serves, grants and
 * expires them) and the functions (which presign, check and tag them).
 */

/** Key prefix of uploaded images; CloudFront serves it as `/images/*`. */
export const imagesPrefix = 'images/';

/**
 * The object tag that says whether an upload is used. An upload is tagged `pending` by its presigned
 * POST and `attached` once a message takes it; a lifecycle rule expires what is still `pending` after a
 * day, so uploads never attached are removed.
 */
export const uploadStateTag = { key: 'upload', pending: 'pending', attached: 'attached' } as const;

/** Days a `pending` upload is kept before the lifecycle rule expires it. */
export const pendingUploadDays = 1;

/** The largest image upload a stack allows unless its `maxUploadBytes` setting says otherwise: 10 MiB. */
export const defaultMaxUploadBytes = 10 * 1024 * 1024;
