using System.Globalization;
using Microsoft.Data.Sqlite;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// The conversation log: a SQLite database (WAL, a busy timeout, the file readable by its owner only) with a row per
/// exchange. The schema is versioned with <c>PRAGMA user_version</c> and migrates forward. A log that cannot be opened
/// or written is a warning line on stderr, never a failed answer; a bearer token is never stored.
/// </summary>
internal sealed class ConversationLog : IDisposable
{
    /// <summary>
    /// An exchange's columns. While it streams, its resume point is the <c>shown</c> row (written with every event shown),
    /// which is never behind the screen; the row's own <c>last_event_id</c> is written with the answer's text.
    /// </summary>
    private const string Columns = """
        id, conversation_id, created_at, model, system_prompt, prompt, answer, prompt_tokens, completion_tokens, cost_usd, first_token_ms, stream_id,
        (SELECT CASE WHEN count(*) = 0 THEN exchanges.last_event_id ELSE max(s.last_event_id) END FROM shown s WHERE s.exchange_id = exchanges.id),
        edge_url, status
        """;

    private readonly SqliteConnection _db;
    private readonly TextWriter _warnings;
    private readonly Lock _gate = new();
    private SqliteCommand? _markShown;
    private bool _broken;
    private string? _deferredWarning;

    private ConversationLog(SqliteConnection db, string path, TextWriter warnings)
    {
        _db = db;
        _warnings = warnings;
        DatabasePath = path;
    }

    public string DatabasePath { get; }

    /// <summary>Opens (creating it if needed) the log at <paramref name="location"/>; null when disabled or unusable (warned).</summary>
    public static ConversationLog? Open(LogLocation location, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(warnings);
        if (!location.Enabled)
        {
            return null;
        }

        var path = location.DatabasePath;
        SqliteConnection? db = null;
        try
        {
            ConversationLogSchema.CreateOwnerOnly(location.Folder!, path);

            // DefaultTimeout bounds how long a command waits on a locked database, as busy_timeout does.
            db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 3 }.ToString());
            db.Open();
            ConversationLogSchema.Prepare(db);
            return new ConversationLog(db, path, warnings);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            db?.Dispose();
            warnings.WriteLine($"relay: warning: the conversation log at {path} cannot be used ({Reason(ex)}); nothing is recorded");
            return null;
        }
    }

    /// <summary>Records the start of an exchange; returns its id, or null when the log cannot be written.</summary>
    public long? Begin(Exchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return Write(() =>
        {
            using var command = _db.CreateCommand();
            command.CommandText = $"""
                INSERT INTO exchanges (conversation_id, created_at, model, system_prompt, prompt, answer, stream_id, edge_url, status)
                VALUES ($cid, $at, $model, $system, $prompt, '', $stream, $edge, '{Exchange.Streaming}')
                RETURNING id
                """;
            command.Parameters.AddWithValue("$cid", exchange.ConversationId);
            command.Parameters.AddWithValue("$at", exchange.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$model", (object?)exchange.Model ?? DBNull.Value);
            command.Parameters.AddWithValue("$system", (object?)exchange.SystemPrompt ?? DBNull.Value);
            command.Parameters.AddWithValue("$prompt", exchange.Prompt);
            command.Parameters.AddWithValue("$stream", (object?)exchange.StreamId ?? DBNull.Value);
            command.Parameters.AddWithValue("$edge", (object?)exchange.EdgeUrl ?? DBNull.Value);
            return (long?)Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
    }

    /// <summary>
    /// Stores what is known of an exchange now: its answer so far (or, with <paramref name="appendAnswer"/>, the text to add
    /// to the answer already stored), stream, last shown event, usage and status.
    /// </summary>
    public void Update(Exchange exchange, bool appendAnswer = false)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        Write(() =>
        {
            using var command = _db.CreateCommand();
            command.CommandText = $"""
                UPDATE exchanges SET model = $model, answer = {(appendAnswer ? "answer || $answer" : "$answer")}, prompt_tokens = $in, completion_tokens = $out, cost_usd = $cost,
                    first_token_ms = $first, stream_id = $stream, last_event_id = $last, status = $status
                WHERE id = $id
                """;
            command.Parameters.AddWithValue("$id", exchange.Id);
            command.Parameters.AddWithValue("$model", (object?)exchange.Model ?? DBNull.Value);
            command.Parameters.AddWithValue("$answer", exchange.Answer);
            command.Parameters.AddWithValue("$in", (object?)exchange.PromptTokens ?? DBNull.Value);
            command.Parameters.AddWithValue("$out", (object?)exchange.CompletionTokens ?? DBNull.Value);
            command.Parameters.AddWithValue("$cost", exchange.CostUsd is { } c ? (double)c : DBNull.Value);
            command.Parameters.AddWithValue("$first", (object?)exchange.FirstTokenMs ?? DBNull.Value);
            command.Parameters.AddWithValue("$stream", (object?)exchange.StreamId ?? DBNull.Value);
            command.Parameters.AddWithValue("$last", (object?)exchange.LastEventId ?? DBNull.Value);
            command.Parameters.AddWithValue("$status", exchange.Status);
            command.ExecuteNonQuery();
            return (long?)exchange.Id;
        });
    }

    /// <summary>
    /// Records that the event <paramref name="lastEventId"/> of exchange <paramref name="id"/> is on the screen: one small
    /// row, written before the next event is read, so a process killed at any moment leaves a resume point that repeats
    /// nothing it showed (<c>relay attach --rest</c>). Null after a restart: nothing of the new stream is shown yet.
    /// </summary>
    public void MarkShown(long id, string? lastEventId) => Write(() =>
    {
        _markShown ??= Prepare("INSERT INTO shown (exchange_id, last_event_id) VALUES ($id, $last) ON CONFLICT (exchange_id) DO UPDATE SET last_event_id = excluded.last_event_id", "$id", "$last");
        _markShown.Parameters["$id"].Value = id;
        _markShown.Parameters["$last"].Value = (object?)lastEventId ?? DBNull.Value;
        _markShown.ExecuteNonQuery();
        return id;
    });

    /// <summary>Drops the shown mark once the exchange's row holds its final state.</summary>
    public void ClearShown(long id) => Execute("DELETE FROM shown WHERE exchange_id = $id", id);

    /// <summary>Prints the warning of a failed write, once, on the caller's (the main) flow.</summary>
    public void ReportDeferredWarning()
    {
        string? warning;
        lock (_gate)
        {
            (warning, _deferredWarning) = (_deferredWarning, null);
        }

        if (warning is not null)
        {
            _warnings.WriteLine(warning);
        }
    }

    public Exchange? Get(long id) => Query($"SELECT {Columns} FROM exchanges WHERE id = $p", id).FirstOrDefault();

    /// <summary>The newest exchange of a stream (a restarted answer keeps its row under the new stream id).</summary>
    public Exchange? ByStream(string streamId) => Query($"SELECT {Columns} FROM exchanges WHERE stream_id = $p ORDER BY id DESC LIMIT 1", streamId).FirstOrDefault();

    /// <summary>The newest exchange that did not end (its process died, or a signal stopped it).</summary>
    public Exchange? LatestUnfinished() =>
        Query($"SELECT {Columns} FROM exchanges WHERE status = '{Exchange.Streaming}' AND stream_id IS NOT NULL ORDER BY id DESC LIMIT 1", null).FirstOrDefault();

    /// <summary>The conversation of the newest exchange.</summary>
    public string? LatestConversation() => Query($"SELECT {Columns} FROM exchanges ORDER BY id DESC LIMIT 1", null).FirstOrDefault()?.ConversationId;

    /// <summary>The newest <paramref name="count"/> exchanges (of one conversation if given), oldest first.</summary>
    public IReadOnlyList<Exchange> Recent(int count, string? conversationId)
    {
        var rows = conversationId is null
            ? Query($"SELECT {Columns} FROM exchanges ORDER BY id DESC LIMIT {count}", null)
            : Query($"SELECT {Columns} FROM exchanges WHERE conversation_id = $p ORDER BY id DESC LIMIT {count}", conversationId);
        rows.Reverse();
        return rows;
    }

    /// <summary>
    /// The newest <paramref name="count"/> exchanges (of one conversation if given) whose prompt or answer has every word of
    /// <paramref name="words"/> (SQLite full-text search: case and accents aside, a word matches a word; quotes are literal),
    /// oldest first.
    /// </summary>
    public IReadOnlyList<Exchange> Search(string words, int count, string? conversationId)
    {
        ArgumentNullException.ThrowIfNull(words);

        // Each word a quoted phrase, so that nothing the user types is taken as FTS syntax (AND, NEAR, a column name, *).
        var match = string.Join(' ', words.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => "\"" + w.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
        if (match.Length == 0)
        {
            return Recent(count, conversationId);
        }

        var rows = Query(
            $"SELECT {Columns} FROM exchanges WHERE id IN (SELECT rowid FROM exchanges_text WHERE exchanges_text MATCH $p)"
            + (conversationId is null ? "" : " AND conversation_id = $cid") + $" ORDER BY id DESC LIMIT {count}",
            match,
            conversationId);
        rows.Reverse();
        return rows;
    }

    /// <summary>Deletes an exchange (its text leaves the search index with it).</summary>
    public void Delete(long id) => Execute("DELETE FROM exchanges WHERE id = $id", id);

    /// <summary>A conversation's exchanges in order.</summary>
    public IReadOnlyList<Exchange> Conversation(string conversationId) =>
        Query($"SELECT {Columns} FROM exchanges WHERE conversation_id = $p ORDER BY id", conversationId);

    /// <summary>
    /// A conversation's earlier turns as messages, the way <c>relay chat</c> keeps them: a question that got no answer
    /// stays out; an interrupted answer is marked as such.
    /// </summary>
    public List<ChatMessage> History(string conversationId)
    {
        var messages = new List<ChatMessage>();
        foreach (var e in Conversation(conversationId))
        {
            if (e.Answer.Length == 0)
            {
                continue;
            }

            messages.Add(ChatMessage.User(e.Prompt));
            messages.Add(ChatMessage.Assistant(e.Status == Exchange.Interrupted ? e.Answer + ChatSession.InterruptedMarker : e.Answer));
        }

        return messages;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _markShown?.Dispose();
            _db.Dispose();
        }
    }

    private static string Reason(Exception ex) => ex is SqliteException sqlite ? sqlite.Message.Replace("SQLite Error ", "SQLite error ", StringComparison.Ordinal) : ex.Message;

    private void Execute(string sql, long id) => Write(() =>
    {
        using var command = _db.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
        return id;
    });

    /// <summary>A command kept for a write made once per event; its parameters are set before each run.</summary>
    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private long? Write(Func<long?> write)
    {
        lock (_gate)
        {
            if (_broken)
            {
                return null;
            }

            try
            {
                return write();
            }
            catch (SqliteException ex)
            {
                // Once, then the log is left alone: the answer matters more than its record. Writes run on a background loop
                // while the answer prints, so the warning waits for ReportDeferredWarning on the main flow.
                _broken = true;
                _deferredWarning = $"relay: warning: the conversation log at {DatabasePath} cannot be written ({Reason(ex)}); nothing more is recorded";
                return null;
            }
        }
    }

    private List<Exchange> Query(string sql, object? parameter, string? conversationId = null)
    {
        lock (_gate)
        {
            var rows = new List<Exchange>();
            try
            {
                using var command = _db.CreateCommand();
                command.CommandText = sql;
                if (parameter is not null)
                {
                    command.Parameters.AddWithValue("$p", parameter);
                }

                if (conversationId is not null)
                {
                    command.Parameters.AddWithValue("$cid", conversationId);
                }

                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add(Read(reader));
                }
            }
            catch (SqliteException ex)
            {
                _warnings.WriteLine($"relay: warning: the conversation log at {DatabasePath} cannot be read ({Reason(ex)})");
            }

            return rows;
        }
    }

    private static Exchange Read(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        ConversationId = r.GetString(1),
        CreatedAt = DateTimeOffset.Parse(r.GetString(2), CultureInfo.InvariantCulture),
        Model = r.IsDBNull(3) ? null : r.GetString(3),
        SystemPrompt = r.IsDBNull(4) ? null : r.GetString(4),
        Prompt = r.GetString(5),
        Answer = r.GetString(6),
        PromptTokens = r.IsDBNull(7) ? null : r.GetInt32(7),
        CompletionTokens = r.IsDBNull(8) ? null : r.GetInt32(8),
        CostUsd = r.IsDBNull(9) ? null : (decimal)r.GetDouble(9),
        FirstTokenMs = r.IsDBNull(10) ? null : r.GetDouble(10),
        StreamId = r.IsDBNull(11) ? null : r.GetString(11),
        LastEventId = r.IsDBNull(12) ? null : r.GetString(12),
        EdgeUrl = r.IsDBNull(13) ? null : r.GetString(13),
        Status = r.GetString(14),
    };
}
