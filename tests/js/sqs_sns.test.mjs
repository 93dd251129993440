// SQS (the JSON protocol SDK v3 speaks) and SNS fan-out to a queue.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand,
  GetQueueAttributesCommand, SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand } from "@aws-sdk/client-sns";

const unique = (name) => `${name}-${process.pid}-${Date.now()}`;

test("SQS: send with attributes, receive, delete, batch", async () => {
  const sqs = new SQSClient({});
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-jobs") }));
  await sqs.send(new SendMessageCommand({
    QueueUrl, MessageBody: "job 1", MessageAttributes: { kind: { DataType: "String", StringValue: "report" } },
  }));
  const { Messages } = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["ApproximateReceiveCount"], WaitTimeSeconds: 0,
  }));
  assert.equal(Messages.length, 1);
  assert.equal(Messages[0].Body, "job 1");
  assert.equal(Messages[0].MessageAttributes.kind.StringValue, "report");
  assert.equal(Messages[0].Attributes.ApproximateReceiveCount, "1");
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0].ReceiptHandle }));
  const batch = await sqs.send(new SendMessageBatchCommand({
    QueueUrl, Entries: [{ Id: "a", MessageBody: "x" }, { Id: "b", MessageBody: "y" }],
  }));
  assert.deepEqual(batch.Successful.map((s) => s.Id).sort(), ["a", "b"]);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  assert.equal(attrs.Attributes.ApproximateNumberOfMessages, "2");
});

test("SNS: a published message reaches a subscribed queue", async () => {
  const sqs = new SQSClient({});
  const sns = new SNSClient({});
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique("js-inbox") }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique("js-alerts") }));
  await sns.send(new SubscribeCommand({
    TopicArn, Protocol: "sqs", Endpoint: Attributes.QueueArn, Attributes: { RawMessageDelivery: "true" },
  }));
  const published = await sns.send(new PublishCommand({ TopicArn, Message: "disk full" }));
  assert.ok(published.MessageId);
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
  assert.equal(Messages?.[0]?.Body, "disk full");
});
