"""Prepares a moto server (started by tests/it/testers_cloud.rs) for the AWS connectivity checks.

Usage: moto_setup.py ENDPOINT_URL

Creates, while moto still accepts unsigned set-up calls: an IAM user `checker` allowed every
action and a user `nobody` with no policy (each with an access key), a role `secrets-reader`
that a web identity may assume and that may only read Secrets Manager values, the DynamoDB table
`orders`, the Kinesis stream `clicks` with three records, and the Athena work group
`analytics`. Then switches moto's IAM checks on (`/moto-api/reset-auth` with 0), so every later
request must carry a valid SigV4 signature of a known key and be allowed by its policy.
Prints the keys and the role's ARN as one JSON object on stdout.
"""

import json
import sys
import urllib.request

import boto3

endpoint = sys.argv[1]
session = boto3.session.Session(
    aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1"
)


def client(name):
    return session.client(name, endpoint_url=endpoint)


iam = client("iam")
keys = {}
for user, allowed in (("checker", True), ("nobody", False)):
    iam.create_user(UserName=user)
    if allowed:
        iam.put_user_policy(
            UserName=user,
            PolicyName="everything",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
    key = iam.create_access_key(UserName=user)["AccessKey"]
    keys[user] = {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}

keys["secrets_reader_role"] = iam.create_role(
    RoleName="secrets-reader",
    AssumeRolePolicyDocument=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/ci"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ],
        }
    ),
)["Role"]["Arn"]
iam.put_role_policy(
    RoleName="secrets-reader",
    PolicyName="read-secrets",
    PolicyDocument=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
            ],
        }
    ),
)

client("dynamodb").create_table(
    TableName="orders",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)

kinesis = client("kinesis")
kinesis.create_stream(StreamName="clicks", ShardCount=1)
for number in range(3):
    kinesis.put_record(
        StreamName="clicks", Data=f"click-{number}".encode(), PartitionKey=f"user-{number}"
    )

client("athena").create_work_group(Name="analytics", Description="connectivity tests")

request = urllib.request.Request(
    f"{endpoint}/moto-api/reset-auth",
    data=b"0",
    method="POST",
    headers={"Content-Type": "text/plain"},
)
with urllib.request.urlopen(request, timeout=10) as answer:
    answer.read()

print(json.dumps(keys), flush=True)
