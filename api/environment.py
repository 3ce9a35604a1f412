"""The environment variables ``smqi`` reads (in ``api.cli``, and there only), with what each
sets. A module of its own, with no imports, so that every command's help can list them
without loading the server."""

ENVIRONMENT_VARIABLES = {
    "SMQI_RELOAD_TOKEN": "bearer token that enables POST /admin/reload (unset: no write endpoint)",
    "SMQI_STORE_DIR": "directory of the embedded store (default PROJECT/var/store)",
    "SMQI_ENDPOINT": "query URL of a remote SPARQL 1.1 store (instead of the embedded one)",
    "SMQI_UPDATE_ENDPOINT": "update URL of the remote store (needed to load builds into it)",
    "SMQI_STORE_KIND": "sparql (any SPARQL 1.1 store, the default) or virtuoso",
    "SMQI_ENDPOINT_USER": "account that may write to the remote store (its update URL)",
    "SMQI_ENDPOINT_PASSWORD": "that account's password",
    "SMQI_ENDPOINT_AUTH": "basic or digest (default: digest for virtuoso, else basic)",
    "SMQI_DATASET_ONLY": "1: serve this project's dataset only, not every dataset in the store",
    "SMQI_QUERY_TIMEOUT": "seconds a query may run (default 10)",
    "SMQI_MAX_ROWS": "most rows a SELECT returns (default 10000)",
    "SMQI_ANSWER_TTL": "remote store that others write to: renew cached answers every N seconds",
    "SMQI_PUBLIC_URL": "the URL this server is reached at, for links",
    "SMQI_MAX_HEAD_BYTES": "most bytes of a request's line and headers (default 65536; 431)",
    "SMQI_MAX_HEADERS": "most header fields of a request (default 100; 431)",
    "SMQI_MAX_URL_BYTES": "most bytes of a request's URL (default 32768; 414)",
    "SMQI_MAX_BODY_BYTES": "most bytes of a request's body (default 16777216; 413)",
    "SMQI_HEAD_TIMEOUT": "seconds a request's headers may take to arrive (default 10; 408)",
}
