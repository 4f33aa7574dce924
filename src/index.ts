export * from './connection-routes-options';
export * from './connections-table-props';
export * from './deduplication-options';
export * from './segmented-broadcast-options';
export * from './websocket-pusher-props';
export * from './websocket-pusher';
