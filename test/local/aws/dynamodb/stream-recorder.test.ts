import {
  BatchWriteItemCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoFaults } from '../../../../local/aws/dynamodb/dynamo-faults';
import { LocalDynamoDb } from '../../../../local/aws/dynamodb/local-dynamodb';
import type { LocalStream } from '../../../../local/aws/dynamodb/local-stream';
import { StreamRecorder } from '../../../../local/aws/dynamodb/stream-recorder';
import { localClientConfig } from '../../../../local/identity';

// DynamoDB Streams emulated in front of a real dynalite: every write to a recorded table becomes the record DynamoDB
// would write (NEW_AND_OLD_IMAGES), in the order the writes took effect; failed and no-op writes write none.

const KEY_SCHEMA = [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }];
const table = (tableName: string) => ({
  tableName,
  keySchema: KEY_SCHEMA,
  attributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
});
const key = (pk: string, sk = 's') => ({ pk: { S: pk }, sk: { S: sk } });

let dynamodb: LocalDynamoDb;
let recorder: StreamRecorder;
let client: DynamoDBClient;
let stream: LocalStream;
let tableCount = 0;
/** A fresh recorded table (and its stream) per test, so that each test reads its own records. */
let items: string;
beforeAll(async () => {
  dynamodb = await LocalDynamoDb.start();
  recorder = await StreamRecorder.start(dynamodb.endpoint);
  client = new DynamoDBClient(localClientConfig(recorder.endpoint));
});
beforeEach(async () => {
  items = `items-${++tableCount}`;
  await dynamodb.createTable(table(items));
  stream = recorder.record({ tableName: items, keySchema: KEY_SCHEMA });
});
afterAll(async () => {
  client?.destroy();
  await recorder?.stop();
  await dynamodb?.stop();
});
const records = () => stream.records();
const summary = () => records().map((r) => `${r.eventName} ${r.dynamodb.Keys.pk.S}`);

describe('each write kind', () => {
  test('PutItem: INSERT with the new image, then MODIFY with both images', async () => {
    await client.send(new PutItemCommand({ TableName: items, Item: { ...key('a'), v: { N: '1' } } }));
    await client.send(new PutItemCommand({ TableName: items, Item: { ...key('a'), v: { N: '2' }, w: { S: 'x' } } }));

    const [insert, modify] = records();
    expect(insert).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: key('a'),
        NewImage: { ...key('a'), v: { N: '1' } },
        SequenceNumber: expect.stringMatching(/^\d{21}$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(Math.abs(insert.dynamodb.ApproximateCreationDateTime - Date.now() / 1000)).toBeLessThan(5);
    expect(modify).toMatchObject({
      eventName: 'MODIFY',
      dynamodb: { Keys: key('a'), OldImage: { ...key('a'), v: { N: '1' } }, NewImage: { ...key('a'), v: { N: '2' }, w: { S: 'x' } } },
    });
    expect(BigInt(modify.dynamodb.SequenceNumber)).toBeGreaterThan(BigInt(insert.dynamodb.SequenceNumber));
    expect(stream.streamArn).toMatch(new RegExp(`^arn:aws:dynamodb:us-east-1:000000000000:table/${items}/stream/\\d{4}-\\d\\d-\\d\\dT[\\d:.]+$`));
  });

  test('UpdateItem: an upsert is an INSERT, a change a MODIFY with both images', async () => {
    const update = (value: string) => client.send(new UpdateItemCommand({
      TableName: items, Key: key('u'), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: value } },
    }));
    await update('one');
    await update('two');
    expect(records().map((r) => [r.eventName, r.dynamodb.OldImage?.v?.S, r.dynamodb.NewImage?.v?.S])).toEqual([
      ['INSERT', undefined, 'one'],
      ['MODIFY', 'one', 'two'],
    ]);
  });

  test('DeleteItem: REMOVE with the old image; deleting an item that is not there writes no record', async () => {
    await client.send(new PutItemCommand({ TableName: items, Item: { ...key('d'), v: { S: 'gone' } } }));
    await client.send(new DeleteItemCommand({ TableName: items, Key: key('d') }));
    await client.send(new DeleteItemCommand({ TableName: items, Key: key('d') }));
    await client.send(new DeleteItemCommand({ TableName: items, Key: key('never') }));
    expect(summary()).toEqual(['INSERT d', 'REMOVE d']);
    expect(records()[1].dynamodb).toMatchObject({ Keys: key('d'), OldImage: { ...key('d'), v: { S: 'gone' } } });
    expect(records()[1].dynamodb.NewImage).toBeUndefined();
  });

  test('BatchWriteItem: one record per item of a recorded table, in request order; other tables record nothing', async () => {
    // GIVEN an item to delete, and a table that is not recorded
    await client.send(new PutItemCommand({ TableName: items, Item: { ...key('old') } }));
    const other = `other-${tableCount}`;
    await dynamodb.createTable(table(other));

    // WHEN one batch writes both tables
    await client.send(new BatchWriteItemCommand({
      RequestItems: {
        [items]: [{ PutRequest: { Item: key('b1') } }, { DeleteRequest: { Key: key('old') } }, { PutRequest: { Item: key('b2') } }, { DeleteRequest: { Key: key('absent') } }],
        [other]: [{ PutRequest: { Item: key('o1') } }],
      },
    }));

    // THEN the recorded table's stream has its three changes; the other table has no stream, its item was written
    expect(summary()).toEqual(['INSERT old', 'INSERT b1', 'REMOVE old', 'INSERT b2']);
    expect(recorder.stream(other)).toBeUndefined();
    expect((await client.send(new GetItemCommand({ TableName: other, Key: key('o1') }))).Item).toEqual(key('o1'));
  });

  test('TransactWriteItems is refused, as dynalite does, and records nothing', async () => {
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: items, Item: key('t') } }] })))
      .rejects.toMatchObject({ name: 'UnknownOperationException' });
    expect(records()).toEqual([]);
  });
});

describe('no record where DynamoDB writes none', () => {
  test('a write that changes nothing (the same item again, the same value set)', async () => {
    await client.send(new PutItemCommand({ TableName: items, Item: { ...key('same'), tags: { SS: ['a', 'b'] }, m: { M: { x: { N: '1' }, y: { S: 'z' } } } } }));
    await client.send(new PutItemCommand({ TableName: items, Item: { m: { M: { y: { S: 'z' }, x: { N: '1' } } }, tags: { SS: ['b', 'a'] }, ...key('same') } }));
    await client.send(new UpdateItemCommand({ TableName: items, Key: key('same'), UpdateExpression: 'SET m.x = :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
    expect(summary()).toEqual(['INSERT same']);
  });

  test('a write that fails (its condition) reaches the caller as DynamoDB\'s error', async () => {
    await client.send(new PutItemCommand({ TableName: items, Item: { ...key('c'), v: { N: '1' } } }));
    await expect(client.send(new PutItemCommand({ TableName: items, Item: key('c'), ConditionExpression: 'attribute_not_exists(pk)' })))
      .rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(summary()).toEqual(['INSERT c']);
  });
});

test('concurrent writes to one key are recorded in the order they took effect: each old image is the last new one', async () => {
  // WHEN 40 increments of one counter race (and 10 writes to other keys between them)
  const increment = () => client.send(new UpdateItemCommand({
    TableName: items, Key: key('n'), UpdateExpression: 'ADD c :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'UPDATED_NEW',
  }));
  const answers = await Promise.all([
    ...Array.from({ length: 40 }, increment),
    ...Array.from({ length: 10 }, (_, i) => client.send(new PutItemCommand({ TableName: items, Item: key(`x${i}`) }))),
  ]);

  // THEN the counter's records go 1, 2, … 40, each MODIFY's old image the previous record's new image
  const counter = records().filter((r) => r.dynamodb.Keys.pk.S === 'n');
  expect(counter.map((r) => Number(r.dynamodb.NewImage!.c.N))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  counter.slice(1).forEach((r, i) => expect(r.dynamodb.OldImage).toEqual(counter[i].dynamodb.NewImage));
  expect(counter[0].eventName).toBe('INSERT');
  const counted = answers.slice(0, 40).map((a) => Number((a as { Attributes?: any }).Attributes.c.N));
  expect(counted.sort((a, b) => a - b)).toEqual(counter.map((r) => Number(r.dynamodb.NewImage!.c.N)));
  // and the sequence numbers of the whole stream increase
  const sequence = records().map((r) => BigInt(r.dynamodb.SequenceNumber));
  expect(sequence.every((s, i) => i === 0 || s > sequence[i - 1])).toBe(true);
  expect(records()).toHaveLength(50);
});

test('images are DynamoDB\'s JSON, binaries as base64; SizeBytes counts keys and images', async () => {
  await client.send(new PutItemCommand({ TableName: items, Item: { ...key('bin'), b: { B: Buffer.from('hello') }, bs: { BS: [Buffer.from([1, 2])] } } }));
  const [record] = records();
  expect(record.dynamodb.NewImage).toMatchObject({ b: { B: Buffer.from('hello').toString('base64') }, bs: { BS: ['AQI='] } });
  // keys: pk+bin, sk+s twice (Keys and NewImage), b+5 bytes, bs+2 bytes
  expect(record.dynamodb.SizeBytes).toBe(2 * (2 + 3 + 2 + 1) + (1 + 5) + (2 + 2));
});

test('a table recorded with another view type gets only what it asks for', async () => {
  const keysOnly = `keys-only-${tableCount}`;
  await dynamodb.createTable(table(keysOnly));
  const keysStream = recorder.record({ tableName: keysOnly, keySchema: KEY_SCHEMA, viewType: 'KEYS_ONLY' });
  await client.send(new PutItemCommand({ TableName: keysOnly, Item: { ...key('k'), v: { N: '1' } } }));
  expect(keysStream.records()[0].dynamodb).toEqual(expect.objectContaining({ Keys: key('k'), StreamViewType: 'KEYS_ONLY' }));
  expect(keysStream.records()[0].dynamodb.NewImage).toBeUndefined();
});

test('reads and calls to tables it does not record pass through untouched', async () => {
  await client.send(new PutItemCommand({ TableName: items, Item: { ...key('r'), v: { S: 'read me' } } }));
  expect((await client.send(new GetItemCommand({ TableName: items, Key: key('r') }))).Item).toEqual({ ...key('r'), v: { S: 'read me' } });
  await expect(client.send(new GetItemCommand({ TableName: 'no-such-table', Key: key('r') }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

test('chained behind a DynamoFaults proxy, a call the proxy fails never reaches the recorder: no record', async () => {
  // GIVEN client → faults → recorder → dynalite, and the next PutItem failing
  const faults = await DynamoFaults.start(recorder.endpoint);
  const faulty = new DynamoDBClient({ ...localClientConfig(faults.endpoint), maxAttempts: 1 });
  try {
    faults.failAction('PutItem', 'internal-error', 1);

    // WHEN two puts go through the chain
    await expect(faulty.send(new PutItemCommand({ TableName: items, Item: key('f1') }))).rejects.toMatchObject({ name: 'InternalServerError' });
    await faulty.send(new PutItemCommand({ TableName: items, Item: key('f2') }));
  } finally {
    faulty.destroy();
    await faults.stop();
  }

  // THEN only the one that took effect is recorded
  expect(summary()).toEqual(['INSERT f2']);
});
