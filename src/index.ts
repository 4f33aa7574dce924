export * from './deduplication-options';
export * from './segmented-broadcast-options';
export * from './websocket-pusher-props';
export * from './websocket-pusher';
