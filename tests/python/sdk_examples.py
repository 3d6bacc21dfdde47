#!/usr/bin/env python3
"""Runs the product document's Python SDK examples (Feature Engine: "Programmatically manage data
sources using the Python SDK") against a running `sourcedeck serve`, with the official SDK
`chalkpy==2.166.1`, and asserts on every result.

The example code is the document's, unchanged apart from connection settings: `ChalkClient()` takes
its server and credentials from the environment, exactly as a user's script would.

Environment (set by tests/it/python_sdk.rs):
  CHALK_CLIENT_ID, CHALK_CLIENT_SECRET   the credentials `serve` was started with
  CHALK_API_SERVER                        127.0.0.1:PORT (loopback, plaintext gRPC)
  CHALK_ENVIRONMENT                       optional; the environment name `serve` serves
  SOURCEDECK_EXPECTED_ENVIRONMENT_ID      optional; the id `serve` printed for that environment
  SOURCEDECK_BIN                          the `sourcedeck` binary, used to read stored values back
  SOURCEDECK_DATA_DIR                     optional; serve's data dir, for `sourcedeck secrets set`
  SOURCEDECK_OTHER_ENVIRONMENT            optional; a second environment `serve` serves, for the
                                          per-environment check (`ChalkClient(environment=...)`)

Traffic goes only to the server and to the local PostgreSQL (127.0.0.1:5432): no test() is ever
called on a source that points anywhere else.

Prints one line per check and a final `N passed, M failed`; exits 1 if any check failed.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

try:
    import grpc

    from chalk.client import ChalkClient, IntegrationKind, LinkedSecretRef
except ImportError as missing:
    print(
        f"sdk_examples.py: cannot import the Chalk SDK ({missing}); create the venv with "
        "`python3 -m venv .venv && .venv/bin/pip install chalkpy==2.166.1` (what .ci/run does)"
    )
    sys.exit(2)

CHECKS: List[Callable[[], None]] = []
STATE: Dict[str, Any] = {}


def check(fn: Callable[[], None]) -> Callable[[], None]:
    """Registers a check; checks run in the order they are defined and share STATE."""
    CHECKS.append(fn)
    return fn


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_rpc_error(code: grpc.StatusCode, call: Callable[[], Any], what: str) -> grpc.RpcError:
    try:
        result = call()
    except grpc.RpcError as error:
        expect(
            error.code() == code,
            f"{what}: expected gRPC {code.name}, got {error.code().name}: {error.details()!r}",
        )
        expect(bool(error.details()), f"{what}: the {code.name} error has no message")
        return error
    raise CheckFailed(f"{what}: expected gRPC {code.name}, the call returned {result!r}")


def require(key: str) -> Any:
    """A value an earlier check stored; a clear failure when that check failed."""
    if key not in STATE:
        raise CheckFailed(f"needs {key!r} from an earlier check, which failed")
    return STATE[key]


def closed_loopback_port() -> int:
    """A loopback TCP port nothing listens on: bound by us, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """Runs the `sourcedeck` binary with the same CHALK_* environment as the SDK."""
    binary = os.environ.get("SOURCEDECK_BIN")
    expect(bool(binary), "SOURCEDECK_BIN is not set: it names the sourcedeck binary")
    return subprocess.run(
        [binary, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def stored(integration_id: str, reveal: tuple = ()) -> Dict[str, Any]:
    """The integration as the server stores it (`sourcedeck get ID --json`), config included.

    The SDK's get() returns only the Datasource fields, so values are read back with the Rust CLI
    (GetIntegration, plus GetIntegrationValue for each revealed key)."""
    args = ["get", integration_id, "--json"]
    for key in reveal:
        args += ["--reveal", key]
    done = cli(*args)
    expect(done.returncode == 0, f"sourcedeck get {integration_id} failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


def value_of(detail: Dict[str, Any], key: str) -> Any:
    entry = detail["config"].get(key)
    expect(entry is not None, f"{detail['name']}: key {key} is missing from the stored config {sorted(detail['config'])}")
    expect("value" in entry, f"{detail['name']}: key {key} has no value shown: {entry}")
    return entry["value"]


def find(sources: list, name: str):
    matches = [s for s in sources if s.name == name]
    expect(len(matches) == 1, f"expected one source named {name!r} in list(), found {len(matches)}")
    return matches[0]


def check_datasource(source: Any, name: str, kind: IntegrationKind) -> None:
    expect(isinstance(source.id, str) and source.id != "", f"{name}: empty id")
    expect(source.name == name, f"{name}: name is {source.name!r}")
    expect(isinstance(source.kind, IntegrationKind), f"{name}: kind {source.kind!r} is not an IntegrationKind")
    expect(source.kind == kind, f"{name}: kind is {source.kind!r}, expected {kind!r}")
    expected_env = os.environ.get("SOURCEDECK_EXPECTED_ENVIRONMENT_ID")
    expect(source.environment_id != "", f"{name}: empty environment_id")
    if expected_env:
        expect(
            source.environment_id == expected_env,
            f"{name}: environment_id {source.environment_id!r}, expected {expected_env!r}",
        )
    for field in ("created_at", "updated_at"):
        value = getattr(source, field)
        expect(isinstance(value, datetime), f"{name}: {field} is {type(value).__name__}, not datetime")
        expect(value.tzinfo is not None, f"{name}: {field} has no timezone")
        now = datetime.now(timezone.utc)
        # The epoch (an unset Timestamp) or a time far from now means the server did not fill it.
        expect(
            abs(now - value) < timedelta(hours=1),
            f"{name}: {field} {value.isoformat()} is not close to now ({now.isoformat()})",
        )
    expect(source.updated_at >= source.created_at, f"{name}: updated_at is before created_at")


# ---------------------------------------------------------------------------------------------
# The document's opening: a client and list().
# ---------------------------------------------------------------------------------------------


@check
def client_from_environment() -> None:
    # The document's lines, unchanged: connection settings come from CHALK_CLIENT_ID,
    # CHALK_CLIENT_SECRET, CHALK_API_SERVER (and CHALK_ENVIRONMENT) in the environment.
    client = ChalkClient()
    STATE["client"] = client


@check
def list_is_empty_at_first() -> None:
    client = require("client")
    sources = client.api.datasources.list()
    for s in sources:
        print(f"{s.kind} {s.name} id={s.id}")
    expect(sources == [], f"a fresh server lists {len(sources)} sources: {sources}")


@check
def api_server_with_http_scheme_works() -> None:
    # The SDK strips http:// and still picks plaintext for 127.0.0.1.
    server = os.environ["CHALK_API_SERVER"]
    bare = server.removeprefix("http://").removeprefix("https://")
    other = ChalkClient(
        client_id=os.environ["CHALK_CLIENT_ID"],
        client_secret=os.environ["CHALK_CLIENT_SECRET"],
        api_server=f"http://{bare}",
        environment=os.environ.get("CHALK_ENVIRONMENT") or None,
    )
    expect(other.api.datasources.list() == [], "list() through http://host:port differs")


@check
def wrong_client_secret_is_refused() -> None:
    bad = ChalkClient(
        client_id=os.environ["CHALK_CLIENT_ID"],
        client_secret="not-the-secret",
        api_server=os.environ["CHALK_API_SERVER"],
        environment=os.environ.get("CHALK_ENVIRONMENT") or None,
    )
    # The SDK logs the failed token exchange with a traceback; keep the output readable.
    sdk_logger = logging.getLogger("chalk.clogging.chalk_logger")
    was_disabled = sdk_logger.disabled
    sdk_logger.disabled = True
    try:
        expect_rpc_error(
            grpc.StatusCode.UNAUTHENTICATED,
            lambda: bad.api.datasources.list(),
            "client.api.datasources.list() with a wrong client secret",
        )
    finally:
        sdk_logger.disabled = was_disabled


# ---------------------------------------------------------------------------------------------
# Create: BigQuery, Snowflake (password), Snowflake (LinkedSecretRef), PostgreSQL.
# ---------------------------------------------------------------------------------------------

SERVICE_ACCOUNT = {
    "type": "service_account",
    "project_id": "my-gcp-project",
    "private_key_id": "0123456789abcdef0123456789abcdef01234567",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    "client_email": "sourcedeck-test@my-gcp-project.iam.gserviceaccount.com",
    "client_id": "123456789012345678901",
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": "https://oauth2.googleapis.com/token",
}


@check
def create_bigquery() -> None:
    client = require("client")
    # The document opens "path/to/service-account-key.json": run in a temp dir that has it.
    workdir = tempfile.mkdtemp(prefix="sdk-examples-")
    os.makedirs(os.path.join(workdir, "path", "to"))
    with open(os.path.join(workdir, "path", "to", "service-account-key.json"), "w") as f:
        json.dump(SERVICE_ACCOUNT, f, indent=2)
    previous = os.getcwd()
    os.chdir(workdir)
    try:
        # --- the document's example, unchanged ---
        import base64

        with open("path/to/service-account-key.json") as f:
            sa_key_b64 = base64.b64encode(f.read().encode()).decode()

        created = client.api.datasources.create(
            kind=IntegrationKind.BIGQUERY,
            name="my_bigquery_source",
            config={
                "BQ_PROJECT": "my-gcp-project",
                "BQ_DATASET": "my_dataset",
                "BQ_CREDENTIALS_BASE64": sa_key_b64,
            },
        )
        # --- end of example ---
    finally:
        os.chdir(previous)
    check_datasource(created, "my_bigquery_source", IntegrationKind.BIGQUERY)
    expect(created.created_at == created.updated_at, "a new source's updated_at differs from created_at")
    STATE["bigquery"] = created
    STATE["sa_key_b64"] = sa_key_b64


@check
def create_snowflake_with_password() -> None:
    client = require("client")
    # --- the document's example, unchanged ---
    created = client.api.datasources.create(
        kind=IntegrationKind.SNOWFLAKE,
        name="my_snowflake_source",
        config={
            "SNOWFLAKE_USER": "admin",
            "SNOWFLAKE_PASSWORD": "secret",
            "SNOWFLAKE_ACCOUNT": "xy12345.us-east-1",
            "SNOWFLAKE_DATABASE": "PROD_DB",
            "SNOWFLAKE_WAREHOUSE": "COMPUTE_WH",
            "SNOWFLAKE_SCHEMA": "PUBLIC",
            "SNOWFLAKE_ROLE": "ANALYST_ROLE",
        },
    )
    # --- end of example ---
    check_datasource(created, "my_snowflake_source", IntegrationKind.SNOWFLAKE)
    STATE["snowflake"] = created


@check
def create_postgresql_as_documented() -> None:
    # The document's example verbatim (db.example.com). Creating does not connect; this source is
    # never tested, so no traffic leaves the machine.
    client = require("client")
    # --- the document's example, unchanged ---
    created = client.api.datasources.create(
        kind=IntegrationKind.POSTGRESQL,
        name="my_postgres_source",
        config={
            "PGHOST": "db.example.com",
            "PGPORT": "5432",
            "PGDATABASE": "mydb",
            "PGUSER": "admin",
            "PGPASSWORD": "secret",
        },
    )
    # --- end of example ---
    check_datasource(created, "my_postgres_source", IntegrationKind.POSTGRESQL)
    STATE["postgres_documented"] = created


@check
def create_local_postgresql() -> None:
    # The same example with the connection settings of the local test database (PGHOST
    # 127.0.0.1, PGDATABASE test, PGUSER postgres, trust auth) so that test() can succeed; the
    # name differs because names are unique.
    client = require("client")
    created = client.api.datasources.create(
        kind=IntegrationKind.POSTGRESQL,
        name="my_local_postgres_source",
        config={
            "PGHOST": "127.0.0.1",
            "PGPORT": "5432",
            "PGDATABASE": "test",
            "PGUSER": "postgres",
            "PGPASSWORD": "secret",
        },
    )
    check_datasource(created, "my_local_postgres_source", IntegrationKind.POSTGRESQL)
    STATE["postgres_local"] = created


@check
def create_snowflake_with_linked_secret() -> None:
    # The document's LinkedSecretRef example; the name differs (my_snowflake_source exists).
    # --- the document's example, unchanged apart from the name ---
    from chalk.client import ChalkClient, IntegrationKind, LinkedSecretRef

    client = ChalkClient()
    created = client.api.datasources.create(
        kind=IntegrationKind.SNOWFLAKE,
        name="my_snowflake_source_linked",
        config={
            "SNOWFLAKE_USER": "admin",
            "SNOWFLAKE_PRIVATE_KEY_B64": LinkedSecretRef("snowflake-prod-key"),
            "SNOWFLAKE_ACCOUNT": "xy12345.us-east-1",
            "SNOWFLAKE_DATABASE": "PROD_DB",
            "SNOWFLAKE_WAREHOUSE": "COMPUTE_WH",
            "SNOWFLAKE_SCHEMA": "PUBLIC",
            "SNOWFLAKE_ROLE": "ANALYST_ROLE",
        },
    )
    # --- end of example ---
    check_datasource(created, "my_snowflake_source_linked", IntegrationKind.SNOWFLAKE)
    STATE["snowflake_linked"] = created
    detail = stored(created.id)
    entry = detail["config"].get("SNOWFLAKE_PRIVATE_KEY_B64")
    expect(entry is not None, f"the linked key is missing from the stored config: {sorted(detail['config'])}")
    expect(entry.get("source") == "linked", f"SNOWFLAKE_PRIVATE_KEY_B64 is stored as {entry}, not linked")
    expect(
        entry.get("secret_name") == "snowflake-prod-key",
        f"SNOWFLAKE_PRIVATE_KEY_B64 links {entry.get('secret_name')!r}, expected 'snowflake-prod-key'",
    )
    expect(value_of(detail, "SNOWFLAKE_USER") == "admin", "SNOWFLAKE_USER not stored as given")


@check
def kind_as_string_any_case() -> None:
    client = require("client")
    lower = client.api.datasources.create(
        kind="postgresql",
        name="kind_from_lower_string",
        config={"PGHOST": "db.example.com", "PGDATABASE": "mydb", "PGUSER": "admin"},
    )
    check_datasource(lower, "kind_from_lower_string", IntegrationKind.POSTGRESQL)
    upper = client.api.datasources.create(
        kind="SNOWFLAKE",
        name="kind_from_upper_string",
        config={"SNOWFLAKE_USER": "admin", "SNOWFLAKE_ACCOUNT": "xy12345.us-east-1"},
    )
    check_datasource(upper, "kind_from_upper_string", IntegrationKind.SNOWFLAKE)
    STATE["string_kinds"] = [lower, upper]


@check
def unknown_kind_is_the_sdks_value_error_before_any_call() -> None:
    client = require("client")
    api = client.api.datasources
    refresher = api._stub_refresher  # count the gRPC calls the SDK makes
    calls = []
    original = refresher.call_integrations_stub

    def counting(fn):
        calls.append(fn)
        return original(fn)

    refresher.call_integrations_stub = counting
    try:
        try:
            api.create(kind="oracle", name="never_created", config={"X": "y"})
        except ValueError as error:
            text = str(error)
            expect("Unknown integration kind" in text and "'oracle'" in text, f"unexpected ValueError: {text}")
            expect("postgresql" in text and "snowflake" in text, f"the ValueError does not list the kinds: {text}")
        else:
            raise CheckFailed("create(kind='oracle') did not raise ValueError")
    finally:
        del refresher.call_integrations_stub
    expect(calls == [], f"the SDK made {len(calls)} gRPC call(s) for an unknown kind")
    expect(all(s.name != "never_created" for s in api.list()), "an unknown kind created a source")


@check
def name_with_dash_is_invalid_argument() -> None:
    client = require("client")
    error = expect_rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        lambda: client.api.datasources.create(
            kind=IntegrationKind.POSTGRESQL,
            name="my-postgres-source",
            config={"PGHOST": "db.example.com"},
        ),
        "create(name='my-postgres-source')",
    )
    expect("name" in error.details().lower(), f"the error does not name the field: {error.details()!r}")
    expect(all(s.name != "my-postgres-source" for s in client.api.datasources.list()), "the bad name was stored")


@check
def duplicate_name_is_already_exists() -> None:
    client = require("client")
    require("snowflake")
    error = expect_rpc_error(
        grpc.StatusCode.ALREADY_EXISTS,
        lambda: client.api.datasources.create(
            kind=IntegrationKind.SNOWFLAKE,
            name="my_snowflake_source",
            config={"SNOWFLAKE_USER": "other"},
        ),
        "create(name='my_snowflake_source') a second time",
    )
    expect("my_snowflake_source" in error.details(), f"the error does not name the source: {error.details()!r}")
    detail = stored(STATE["snowflake"].id)
    expect(value_of(detail, "SNOWFLAKE_USER") == "admin", "the failed duplicate changed the existing source")


@check
def list_shows_everything_created() -> None:
    client = require("client")
    sources = client.api.datasources.list()
    for s in sources:
        print(f"{s.kind} {s.name} id={s.id}")
    expected = {
        "my_bigquery_source": IntegrationKind.BIGQUERY,
        "my_snowflake_source": IntegrationKind.SNOWFLAKE,
        "my_snowflake_source_linked": IntegrationKind.SNOWFLAKE,
        "my_postgres_source": IntegrationKind.POSTGRESQL,
        "my_local_postgres_source": IntegrationKind.POSTGRESQL,
        "kind_from_lower_string": IntegrationKind.POSTGRESQL,
        "kind_from_upper_string": IntegrationKind.SNOWFLAKE,
    }
    names = sorted(s.name for s in sources)
    expect(names == sorted(expected), f"list() names {names}, expected {sorted(expected)}")
    ids = [s.id for s in sources]
    expect(len(set(ids)) == len(ids), f"list() has duplicate ids: {ids}")
    for name, kind in expected.items():
        listed = find(sources, name)
        check_datasource(listed, name, kind)
    for key in ("bigquery", "snowflake", "snowflake_linked", "postgres_documented", "postgres_local"):
        created = require(key)
        listed = find(sources, created.name)
        expect(listed == created, f"list() shows {listed}, create() returned {created}")


@check
def stored_values_are_as_given() -> None:
    bq = require("bigquery")
    detail = stored(bq.id, reveal=("BQ_CREDENTIALS_BASE64",))
    expect(value_of(detail, "BQ_PROJECT") == "my-gcp-project", "BQ_PROJECT not stored as given")
    expect(value_of(detail, "BQ_DATASET") == "my_dataset", "BQ_DATASET not stored as given")
    expect(
        value_of(detail, "BQ_CREDENTIALS_BASE64") == require("sa_key_b64"),
        "BQ_CREDENTIALS_BASE64 read back differs from what was sent",
    )
    decoded = json.loads(base64.b64decode(value_of(detail, "BQ_CREDENTIALS_BASE64")))
    expect(decoded == SERVICE_ACCOUNT, "the stored service-account key does not decode to the file's JSON")
    sf = stored(require("snowflake").id)
    password = sf["config"].get("SNOWFLAKE_PASSWORD", {})
    expect(password.get("secret") is True and "value" not in password, f"SNOWFLAKE_PASSWORD is shown unmasked: {password}")
    expect(value_of(sf, "SNOWFLAKE_ACCOUNT") == "xy12345.us-east-1", "SNOWFLAKE_ACCOUNT not stored as given")


# ---------------------------------------------------------------------------------------------
# get, test, update, delete: the document's last example.
# ---------------------------------------------------------------------------------------------


@check
def get_and_test_local_postgresql() -> None:
    client = require("client")
    created = require("postgres_local")
    # --- the document's example, unchanged (on the local PostgreSQL source) ---
    # Get a data source by ID
    source = client.api.datasources.get(id=created.id)

    # Test connectivity
    result = client.api.datasources.test(id=created.id)
    print(f"Success: {result.success}, Message: {result.message}")
    # --- end of example ---
    expect(source == created, f"get() returned {source}, create() returned {created}")
    expect(result.success is True, f"test() of the local PostgreSQL failed: {result.message}")
    expect(isinstance(result.message, str) and result.message != "", "test() succeeded with an empty message")
    expect(
        isinstance(result.latency_seconds, float) and 0 < result.latency_seconds < 30,
        f"latency_seconds is {result.latency_seconds!r}",
    )
    expect("secret" not in result.message, "the test message contains the password")


@check
def get_every_created_source() -> None:
    client = require("client")
    for key in ("bigquery", "snowflake", "snowflake_linked", "postgres_documented"):
        created = require(key)
        source = client.api.datasources.get(id=created.id)
        expect(source == created, f"get({created.id}) returned {source}, create() returned {created}")


@check
def test_failure_is_reported_not_raised() -> None:
    client = require("client")
    port = closed_loopback_port()
    failing = client.api.datasources.create(
        kind=IntegrationKind.POSTGRESQL,
        name="closed_port_postgres",
        config={"PGHOST": "127.0.0.1", "PGPORT": str(port), "PGDATABASE": "test", "PGUSER": "postgres"},
    )
    STATE["postgres_closed"] = failing
    result = client.api.datasources.test(id=failing.id)
    print(f"Success: {result.success}, Message: {result.message}")
    expect(result.success is False, f"test() against closed port {port} succeeded: {result.message}")
    expect(isinstance(result.message, str) and result.message != "", "a failed test has no message")
    expect(str(port) in result.message or "connect" in result.message.lower(), f"the message does not say what failed: {result.message}")
    expect(result.latency_seconds >= 0, f"latency_seconds is {result.latency_seconds!r}")


@check
def test_unknown_id_is_not_found() -> None:
    client = require("client")
    expect_rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: client.api.datasources.test(id="no_such_integration_id"),
        "test(id=unknown)",
    )


@check
def update_changes_only_given_keys() -> None:
    client = require("client")
    created = require("bigquery")
    before = stored(created.id)
    # --- the document's example, unchanged (on the BigQuery source it configures BQ_DATASET of) ---
    # Update config or name (only provided keys are changed)
    updated = client.api.datasources.update(
        id=created.id,
        config={"BQ_DATASET": "new_dataset"},
        name="my_updated_source",
    )
    # --- end of example ---
    expect(updated.id == created.id, f"update() changed the id to {updated.id}")
    expect(updated.name == "my_updated_source", f"update() returned name {updated.name!r}")
    expect(updated.kind == IntegrationKind.BIGQUERY, f"update() returned kind {updated.kind!r}")
    expect(updated.created_at == created.created_at, "update() changed created_at")
    expect(
        updated.updated_at > created.updated_at,
        f"update() did not advance updated_at ({created.updated_at.isoformat()} -> {updated.updated_at.isoformat()})",
    )
    got = client.api.datasources.get(id=created.id)
    expect(got == updated, f"get() after update returned {got}, update() returned {updated}")
    listed = find(client.api.datasources.list(), "my_updated_source")
    expect(listed == updated, f"list() after update shows {listed}")
    expect(
        all(s.name != "my_bigquery_source" for s in client.api.datasources.list()),
        "the old name is still listed",
    )
    after = stored(created.id, reveal=("BQ_CREDENTIALS_BASE64",))
    expect(value_of(after, "BQ_DATASET") == "new_dataset", "BQ_DATASET was not changed")
    expect(value_of(after, "BQ_PROJECT") == "my-gcp-project", "BQ_PROJECT changed though not given")
    expect(
        value_of(after, "BQ_CREDENTIALS_BASE64") == require("sa_key_b64"),
        "BQ_CREDENTIALS_BASE64 changed though not given",
    )
    expect(sorted(after["config"]) == sorted(before["config"]), "update() added or removed keys")
    STATE["updated"] = updated


@check
def update_name_only_and_config_only() -> None:
    client = require("client")
    created = require("postgres_local")
    renamed = client.api.datasources.update(id=created.id, name="my_local_postgres_renamed")
    expect(renamed.name == "my_local_postgres_renamed", f"name-only update returned {renamed.name!r}")
    detail = stored(created.id)
    expect(value_of(detail, "PGHOST") == "127.0.0.1", "a name-only update changed PGHOST")
    kept = client.api.datasources.update(id=created.id, config={"PGDATABASE": "test"})
    expect(kept.name == "my_local_postgres_renamed", f"a config-only update changed the name to {kept.name!r}")
    result = client.api.datasources.test(id=created.id)
    expect(result.success is True, f"test() after the updates failed: {result.message}")


@check
def update_errors() -> None:
    client = require("client")
    created = require("postgres_local")
    expect_rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: client.api.datasources.update(id="no_such_integration_id", config={"PGPORT": "5433"}),
        "update(id=unknown)",
    )
    expect_rpc_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        lambda: client.api.datasources.update(id=created.id, name="bad-name"),
        "update(name='bad-name')",
    )
    expect_rpc_error(
        grpc.StatusCode.ALREADY_EXISTS,
        lambda: client.api.datasources.update(id=created.id, name="my_snowflake_source"),
        "update(name= another source's name)",
    )
    expect(
        client.api.datasources.get(id=created.id).name == "my_local_postgres_renamed",
        "a failed update changed the name",
    )


@check
def update_with_linked_secret() -> None:
    client = require("client")
    created = require("snowflake")
    # "LinkedSecretRef works with update() as well"
    updated = client.api.datasources.update(
        id=created.id,
        config={"SNOWFLAKE_PRIVATE_KEY_B64": LinkedSecretRef("snowflake-prod-key")},
    )
    expect(updated.name == "my_snowflake_source", f"update() without a name renamed the source to {updated.name!r}")
    detail = stored(created.id)
    entry = detail["config"].get("SNOWFLAKE_PRIVATE_KEY_B64", {})
    expect(entry.get("source") == "linked", f"SNOWFLAKE_PRIVATE_KEY_B64 after update: {entry}")
    expect(entry.get("secret_name") == "snowflake-prod-key", f"links {entry.get('secret_name')!r}")
    expect(value_of(detail, "SNOWFLAKE_USER") == "admin", "SNOWFLAKE_USER changed though not given")
    expect("SNOWFLAKE_PASSWORD" in detail["config"], "SNOWFLAKE_PASSWORD vanished though not given")


@check
def linked_secret_resolves_in_test() -> None:
    # A LinkedSecretRef resolved from the server's local secret store during test(): PGUSER of the
    # local PostgreSQL source links a secret stored with `sourcedeck secrets set`.
    data_dir = os.environ.get("SOURCEDECK_DATA_DIR")
    expect(bool(data_dir), "SOURCEDECK_DATA_DIR is not set")
    client = require("client")
    created = require("postgres_local")
    missing = client.api.datasources.update(id=created.id, config={"PGUSER": LinkedSecretRef("pg-user")})
    expect(missing.id == created.id, "update with a link changed the id")
    result = client.api.datasources.test(id=created.id)
    expect(result.success is False, f"test() with an unset linked secret succeeded: {result.message}")
    expect("pg-user" in result.message, f"the failure does not name the missing secret: {result.message}")
    args = ["secrets", "set", "pg-user", "--data-dir", data_dir]
    if os.environ.get("CHALK_ENVIRONMENT"):
        args += ["--environment", os.environ["CHALK_ENVIRONMENT"]]
    done = cli(*args, stdin="postgres\n")
    expect(done.returncode == 0, f"sourcedeck secrets set failed: {done.stderr.strip()}")
    result = client.api.datasources.test(id=created.id)
    expect(result.success is True, f"test() with the linked PGUSER failed: {result.message}")
    expect("postgres" not in result.message.replace("PostgreSQL", ""), f"the linked user's value shows in {result.message!r}")


@check
def delete_then_get_is_not_found() -> None:
    client = require("client")
    created = require("updated")
    # --- the document's example, unchanged ---
    # Delete
    client.api.datasources.delete(id=created.id)
    # --- end of example ---
    expect_rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: client.api.datasources.get(id=created.id),
        "get() after delete()",
    )
    expect(all(s.id != created.id for s in client.api.datasources.list()), "list() still shows the deleted source")
    expect_rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: client.api.datasources.delete(id=created.id),
        "delete() a second time",
    )


@check
def delete_everything_then_list_is_empty() -> None:
    client = require("client")
    for s in client.api.datasources.list():
        client.api.datasources.delete(id=s.id)
    remaining = client.api.datasources.list()
    expect(remaining == [], f"list() after deleting everything shows {remaining}")
    # A deleted name can be used again.
    again = client.api.datasources.create(
        kind=IntegrationKind.POSTGRESQL,
        name="my_postgres_source",
        config={"PGHOST": "db.example.com"},
    )
    check_datasource(again, "my_postgres_source", IntegrationKind.POSTGRESQL)
    client.api.datasources.delete(id=again.id)


@check
def each_environment_sees_only_its_own_sources() -> None:
    # Two environments on one serve: a client constructed with environment= sees only that
    # environment's sources, and an id from one is NOT_FOUND in the other.
    other_env = os.environ.get("SOURCEDECK_OTHER_ENVIRONMENT")
    expect(bool(other_env), "SOURCEDECK_OTHER_ENVIRONMENT is not set")
    primary_env = os.environ.get("CHALK_ENVIRONMENT")
    expect(bool(primary_env), "CHALK_ENVIRONMENT is not set")
    secret = base64.b32encode(os.urandom(20)).decode().lower()

    def client_for(environment: str) -> ChalkClient:
        return ChalkClient(
            client_id=os.environ["CHALK_CLIENT_ID"],
            client_secret=os.environ["CHALK_CLIENT_SECRET"],
            api_server=os.environ["CHALK_API_SERVER"],
            environment=environment,
        )

    clients = {env: client_for(env) for env in (primary_env, other_env)}
    created = {}
    for env, client in clients.items():
        created[env] = client.api.datasources.create(
            kind=IntegrationKind.POSTGRESQL,
            name=f"only_in_{env}",
            config={"PGHOST": "db.example.com", "PGPASSWORD": secret},
        )
    expect(
        created[primary_env].environment_id != created[other_env].environment_id,
        "both sources report the same environment_id",
    )
    for env, client in clients.items():
        sources = client.api.datasources.list()
        names = sorted(s.name for s in sources)
        expect(names == [f"only_in_{env}"], f"environment={env!r} lists {names}")
        expect(secret not in repr(sources), f"list() in {env!r} shows a secret value")
        detail = client.api.datasources.get(id=created[env].id)
        expect(detail.name == f"only_in_{env}", f"get() in {env!r} answers {detail.name!r}")
        expect(secret not in repr(detail), f"get() in {env!r} shows a secret value")
        for other, source in created.items():
            if other == env:
                continue
            expect_rpc_error(
                grpc.StatusCode.NOT_FOUND,
                lambda: client.api.datasources.get(id=source.id),
                f"get() of {other!r}'s source with environment={env!r}",
            )
            expect_rpc_error(
                grpc.StatusCode.NOT_FOUND,
                lambda: client.api.datasources.delete(id=source.id),
                f"delete() of {other!r}'s source with environment={env!r}",
            )
    for env, client in clients.items():
        client.api.datasources.delete(id=created[env].id)
        expect(client.api.datasources.list() == [], f"environment={env!r} is not empty after delete()")


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)
    for name in ("CHALK_CLIENT_ID", "CHALK_CLIENT_SECRET", "CHALK_API_SERVER", "SOURCEDECK_BIN"):
        if not os.environ.get(name):
            print(f"sdk_examples.py: {name} is not set (run through `cargo test --test python_sdk`)")
            return 2
    host = os.environ["CHALK_API_SERVER"].removeprefix("http://").split(":")[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        print(f"sdk_examples.py: refusing to run against non-loopback server {host!r}")
        return 2
    passed = failed = 0
    for fn in CHECKS:
        try:
            fn()
        except CheckFailed as error:
            failed += 1
            print(f"FAIL {fn.__name__}: {error}")
        except Exception as error:  # an unexpected exception from the SDK or the server
            failed += 1
            details = error.details() if isinstance(error, grpc.RpcError) else ""
            print(f"FAIL {fn.__name__}: {type(error).__name__}: {error} {details}".rstrip())
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {fn.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
