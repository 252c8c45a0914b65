/**
 * The custom metrics the functions publish (embedded metric format, through Powertools), and which the
 * stack's dashboard draws: the one place their namespace and names are spelled.
 *
 * Each carries one dimension, `service` (the functions' `POWERTOOLS_SERVICE_NAME`). A custom metric
 * costs only in the hours it is published, so an idle deployment pays nothing for them.
 */
export const METRICS_NAMESPACE = 'Hiroba';

export const METRIC = {
  /** Messages stored (HTTP and WebSocket sends that inserted a row; resends of one client id do not count). */
  messagesStored: 'MessagesStored',
  /** Frames the fan-out tried to push to a connection. */
  deliveriesAttempted: 'DeliveriesAttempted',
  /** ... that API Gateway accepted. */
  deliveriesSucceeded: 'DeliveriesSucceeded',
  /** ... whose connection was gone (410): the connection is forgotten. */
  deliveriesGone: 'DeliveriesGone',
  /** ... that API Gateway throttled (429), after which the fan-out retried. */
  deliveriesThrottled: 'DeliveriesThrottled',
  /** ... that failed for good: the subscriber catches up from history. */
  deliveriesFailed: 'DeliveriesFailed',
  /** Milliseconds one fan-out took to deliver one message to all its recipients. */
  fanOutDuration: 'FanOutDuration',
  /** Connections one message was delivered to. */
  fanOutRecipients: 'FanOutRecipients',
  /** Data API statements retried after a transient error. */
  dataApiRetries: 'DataApiRetries',
  /** Data API statements that waited for Aurora to resume from 0 ACU. */
  dataApiResumesWaited: 'DataApiResumesWaited',
  /** Requests and frames refused by a quota or a frame budget. */
  quotaRefusals: 'QuotaRefusals',
  /** Upload slots handed out (`POST /api/uploads`). */
  uploadsCreated: 'UploadsCreated',
  /** WebSocket connections opened (`$connect`). */
  connectionsOpened: 'ConnectionsOpened',
  /** WebSocket connections closed (`$disconnect`). */
  connectionsClosed: 'ConnectionsClosed',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
