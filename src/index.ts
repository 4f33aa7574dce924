export * from './websocket-pusher';
