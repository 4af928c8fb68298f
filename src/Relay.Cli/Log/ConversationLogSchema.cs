using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Relay.Cli;

/// <summary>
/// The conversation log's file and schema: created owner-only, WAL with a busy timeout, and versioned with
/// <c>PRAGMA user_version</c>, migrated forward one step per version.
/// </summary>
internal static class ConversationLogSchema
{
    /// <summary>The schema, one step per version: step i takes a database from version i to i + 1.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            model TEXT,
            system_prompt TEXT,
            prompt TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd REAL,
            first_token_ms REAL,
            stream_id TEXT,
            last_event_id TEXT,
            edge_url TEXT,
            status TEXT NOT NULL);
        CREATE INDEX exchanges_by_conversation ON exchanges (conversation_id, id);
        CREATE INDEX exchanges_by_stream ON exchanges (stream_id);
        """,
        """
        CREATE TABLE shown (
            exchange_id INTEGER PRIMARY KEY REFERENCES exchanges (id) ON DELETE CASCADE,
            last_event_id TEXT);
        """,
        """
        CREATE VIRTUAL TABLE exchanges_text USING fts5 (prompt, answer, content = 'exchanges', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
        CREATE TRIGGER exchanges_text_insert AFTER INSERT ON exchanges BEGIN
            INSERT INTO exchanges_text (rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
        END;
        CREATE TRIGGER exchanges_text_delete AFTER DELETE ON exchanges BEGIN
            INSERT INTO exchanges_text (exchanges_text, rowid, prompt, answer) VALUES ('delete', old.id, old.prompt, old.answer);
            DELETE FROM shown WHERE exchange_id = old.id;
        END;
        CREATE TRIGGER exchanges_text_update AFTER UPDATE OF prompt, answer ON exchanges BEGIN
            INSERT INTO exchanges_text (exchanges_text, rowid, prompt, answer) VALUES ('delete', old.id, old.prompt, old.answer);
            INSERT INTO exchanges_text (rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
        END;
        INSERT INTO exchanges_text (exchanges_text) VALUES ('rebuild');
        """,
    ];

    /// <summary>Sets the connection up and brings the schema to this version.</summary>
    /// <exception cref="InvalidDataException">The database was written by a newer relay.</exception>
    public static void Prepare(SqliteConnection db)
    {
        // A page cache of 64 KiB, not SQLite's 2 MB: a streamed answer's row is written every second, and the default
        // cache kept the pages of each write (0.7 MB of the CLI's growth over a 10,000-token answer); the log's own reads
        // are a few rows.
        Execute(db, "PRAGMA busy_timeout = 3000; PRAGMA journal_mode = WAL; PRAGMA cache_size = -64;");
        Migrate(db);
    }

    /// <summary>The folder and an empty database file, readable by their owner only (SQLite gives its -wal and -shm files the file's mode).</summary>
    public static void CreateOwnerOnly(string folder, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder); // a profile folder is the user's own already
            return;
        }

        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!File.Exists(path))
        {
            using (new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }
        }
    }

    private static void Migrate(SqliteConnection db)
    {
        // One immediate transaction around reading the version and moving it on: two relays opening a new database at
        // once take turns instead of both creating the table.
        using var transaction = db.BeginTransaction(deferred: false);
        var version = Convert.ToInt32(Scalar(db, "PRAGMA user_version", transaction), CultureInfo.InvariantCulture);
        if (version > Migrations.Length)
        {
            throw new InvalidDataException($"it has schema version {version}, written by a newer relay (this one knows {Migrations.Length})");
        }

        for (; version < Migrations.Length; version++)
        {
            Execute(db, Migrations[version] + $"; PRAGMA user_version = {version + 1};", transaction);
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection db, string sql, SqliteTransaction? transaction = null)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection db, string sql, SqliteTransaction? transaction = null)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }
}
