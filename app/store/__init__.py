"""The SQLite database: connections and transactions, schema, migrations, backups."""
