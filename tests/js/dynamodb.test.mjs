// DynamoDB through lib-dynamodb's DocumentClient: plain JavaScript values in and out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DynamoDBClient, CreateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, QueryCommand, UpdateCommand, BatchWriteCommand, DeleteCommand,
} from "@aws-sdk/lib-dynamodb";

test("DocumentClient: put, get, update, query, batch write", async () => {
  const client = new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const TableName = `js-orders-${process.pid}-${Date.now()}`;
  await client.send(new CreateTableCommand({
    TableName, BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "customer", KeyType: "HASH" }, { AttributeName: "order", KeyType: "RANGE" }],
    AttributeDefinitions: [{ AttributeName: "customer", AttributeType: "S" }, { AttributeName: "order", AttributeType: "N" }],
  }));
  const item = {
    customer: "ada", order: 1, amount: 12.5, paid: false, tags: new Set(["gift", "express"]),
    lines: [{ sku: "book", qty: 2 }], address: { city: "London", zip: null }, note: undefined,
  };
  await doc.send(new PutCommand({ TableName, Item: item }));
  const { Item } = await doc.send(new GetCommand({ TableName, Key: { customer: "ada", order: 1 } }));
  assert.deepEqual(Item, {
    customer: "ada", order: 1, amount: 12.5, paid: false, tags: new Set(["gift", "express"]),
    lines: [{ sku: "book", qty: 2 }], address: { city: "London", zip: null },
  });
  const updated = await doc.send(new UpdateCommand({
    TableName, Key: { customer: "ada", order: 1 },
    UpdateExpression: "SET paid = :t, amount = amount + :d ADD tags :new",
    ExpressionAttributeValues: { ":t": true, ":d": 2.5, ":new": new Set(["paid"]) },
    ReturnValues: "ALL_NEW",
  }));
  assert.equal(updated.Attributes.paid, true);
  assert.equal(updated.Attributes.amount, 15);
  assert.deepEqual([...updated.Attributes.tags].sort(), ["express", "gift", "paid"]);
  await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: [2, 3, 4].map((order) => ({
    PutRequest: { Item: { customer: "ada", order, amount: order * 10 } },
  })) } }));
  const query = await doc.send(new QueryCommand({
    TableName, KeyConditionExpression: "customer = :c AND #o >= :from",
    ExpressionAttributeNames: { "#o": "order" }, ExpressionAttributeValues: { ":c": "ada", ":from": 2 },
    ScanIndexForward: false,
  }));
  assert.deepEqual(query.Items.map((i) => i.order), [4, 3, 2]);
  await doc.send(new DeleteCommand({ TableName, Key: { customer: "ada", order: 4 } }));
  const gone = await doc.send(new GetCommand({ TableName, Key: { customer: "ada", order: 4 } }));
  assert.equal(gone.Item, undefined);
});
