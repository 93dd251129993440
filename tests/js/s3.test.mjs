// S3 with the SDK's default settings and the endpoint the README gives
// (AWS_ENDPOINT_URL=http://127.0.0.1:4566): an IP address, so the SDK addresses buckets
// path-style by itself. And forcePathStyle with a localhost endpoint, as the README says.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command,
  DeleteObjectCommand, HeadObjectCommand, PutBucketVersioningCommand, ListObjectVersionsCommand,
} from "@aws-sdk/client-s3";

const endpoint = process.env.AWS_ENDPOINT_URL;
const unique = (name) => `${name}-${process.pid}-${Date.now()}`;

test("objects round-trip with the default settings (no forcePathStyle)", async () => {
  const s3 = new S3Client({});
  const requests = [];
  s3.middlewareStack.add((next) => async (args) => {
    requests.push(`${args.request.hostname}${args.request.path}`);
    return next(args);
  }, { step: "finalizeRequest", name: "recordHost" });
  const bucket = unique("js-default");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/hello.txt", Body: "hello from node", ContentType: "text/plain" }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" }));
  assert.equal(await got.Body.transformToString(), "hello from node");
  assert.equal(got.ContentType, "text/plain");
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/" }));
  assert.deepEqual(listed.Contents.map((o) => o.Key), ["dir/hello.txt"]);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" }));
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "dir/hello.txt" })), { name: "NotFound" });
  // The SDK chose path style itself: the bucket is in the path, the host is the IP.
  assert.ok(requests.every((r) => r.startsWith(`127.0.0.1/${bucket}`)), requests.join(", "));
});

test("forcePathStyle with a localhost endpoint, and versions", async () => {
  const s3 = new S3Client({ endpoint: endpoint.replace("127.0.0.1", "localhost"), forcePathStyle: true });
  const bucket = unique("js-path");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "one" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "two" }));
  const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: first.VersionId }));
  assert.equal(await old.Body.transformToString(), "one");
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  assert.equal(versions.Versions.length, 2);
});
