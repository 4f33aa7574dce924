// The connection stream function (a connection's subscriptions removed when it goes): filled in by issue 24's work.
export const handler = async (): Promise<unknown> => ({ batchItemFailures: [] });
