"""Creates, rotates and deletes secrets in a moto server (tests/it/linked_secrets.rs) with boto3,
the real AWS client, signed with a moto IAM key.

Usage: moto_secrets.py ENDPOINT_URL KEY_ID KEY_SECRET OPERATION NAME
  create NAME         SecretString from stdin
  create-binary NAME  SecretBinary = the bytes from stdin
  put NAME            a new AWSCURRENT version, SecretString from stdin
  delete NAME         ForceDeleteWithoutRecovery
"""

import sys

import boto3

endpoint, key_id, key_secret, operation, name = sys.argv[1:6]
client = boto3.session.Session(
    aws_access_key_id=key_id, aws_secret_access_key=key_secret, region_name="us-east-1"
).client("secretsmanager", endpoint_url=endpoint)
value = sys.stdin.read() if operation != "delete" else ""
if operation == "create":
    client.create_secret(Name=name, SecretString=value)
elif operation == "create-binary":
    client.create_secret(Name=name, SecretBinary=value.encode())
elif operation == "put":
    client.put_secret_value(SecretId=name, SecretString=value)
elif operation == "delete":
    client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
else:
    sys.exit(f"unknown operation {operation}")
