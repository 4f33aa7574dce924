// The channels function (subscribe / unsubscribe): filled in by issue 24's work.
export const handler = async (): Promise<unknown> => ({ statusCode: 500 });
