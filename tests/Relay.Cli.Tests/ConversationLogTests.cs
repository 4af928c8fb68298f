using System.Text.Json;
using Relay.Contracts;
using Relay.Simulator;

namespace Relay.Cli.Tests;

/// <summary>The conversation log: what ask and chat record, -c and --cid, relay log, and a log that cannot be used.</summary>
public sealed class ConversationLogTests(CliFixture cli) : IClassFixture<CliFixture>, IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("relay-log-");

    private LogLocation Log => new(_home.FullName);

    private string Edge => cli.Servers.Edge.Url.ToString();

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public async Task Ask_records_the_exchange_and_relay_log_lists_and_shows_it()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=12";
        var ask = await CliRun.RunAsync(["ask", "Tell me something", "-s", "Be brief", "--edge", Edge], log: Log);
        Assert.Equal(0, ask.ExitCode);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home.FullName, "relay.db")));
        }

        var row = Single(await CliRun.RunAsync(["log", "--json"], log: Log));
        Assert.Equal("Tell me something", row.GetProperty("prompt").GetString());
        Assert.Equal("Be brief", row.GetProperty("system").GetString());
        Assert.Equal(ask.Out, row.GetProperty("answer").GetString() + "\n");
        Assert.Equal("complete", row.GetProperty("status").GetString());
        Assert.Equal(12, row.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(Edge, row.GetProperty("edge_url").GetString());
        Assert.True(StreamIds.TryParseEventId(row.GetProperty("last_event_id").GetString(), out var stream, out _));
        Assert.Equal(row.GetProperty("stream_id").GetString(), stream);
        Assert.DoesNotContain("Bearer", File.ReadAllText(Path.Combine(_home.FullName, "relay.db")), StringComparison.Ordinal);

        var list = await CliRun.RunAsync(["log"], log: Log);
        Assert.Matches($@"^\s+{row.GetProperty("id").GetInt64()}\s.*{row.GetProperty("conversation_id").GetString()}.*complete\s+12 tok\s+Tell me something\n$", list.Out);

        var show = await CliRun.RunAsync(["log", "--show", row.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)], log: Log);
        Assert.Equal(ask.Out, show.Out);
        Assert.Equal(1, (await CliRun.RunAsync(["log", "--show", "999"], log: Log)).ExitCode);
    }

    [Fact]
    public async Task Ask_c_sends_the_earlier_turns_and_cid_continues_a_given_conversation()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=6";
        var first = await CliRun.RunAsync(["ask", "one", "-q", "--edge", Edge], log: Log);
        var second = await CliRun.RunAsync(["ask", "-c", "two", "-q", "--edge", Edge], log: Log);
        List<ChatMessage> history = [ChatMessage.User("one"), ChatMessage.Assistant(first.Out.TrimEnd('\n')), ChatMessage.User("two")];
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, history, tokens: 6).Text + "\n", second.Out);

        // Another conversation in between; --cid goes back to the first one.
        var rows = Rows(await CliRun.RunAsync(["log", "--json"], log: Log));
        Assert.Equal(rows[0].GetProperty("conversation_id").GetString(), rows[1].GetProperty("conversation_id").GetString());
        await CliRun.RunAsync(["ask", "unrelated", "-q", "--edge", Edge], log: Log);
        var third = await CliRun.RunAsync(["ask", "--cid", rows[0].GetProperty("conversation_id").GetString()!, "three", "-q", "--edge", Edge], log: Log);
        history.AddRange([ChatMessage.Assistant(second.Out.TrimEnd('\n')), ChatMessage.User("three")]);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, history, tokens: 6).Text + "\n", third.Out);

        var oneConversation = Rows(await CliRun.RunAsync(["log", "--json", "--cid", rows[0].GetProperty("conversation_id").GetString()!], log: Log));
        Assert.Equal(["one", "two", "three"], oneConversation.Select(r => r.GetProperty("prompt").GetString()));
        Assert.Equal(2, (await CliRun.RunAsync(["ask", "--cid", "nosuchconversation", "x", "--edge", Edge], log: Log)).ExitCode);
    }

    [Fact]
    public async Task Chat_c_continues_the_latest_conversation()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=5";
        var first = await CliRun.RunAsync(["ask", "one", "-q", "--edge", Edge], log: Log);
        var chat = await CliRun.RunAsync(["chat", "-c", "-q", "--edge", Edge], input: "two\n", log: Log);
        Assert.Equal(0, chat.ExitCode);
        List<ChatMessage> history = [ChatMessage.User("one"), ChatMessage.Assistant(first.Out.TrimEnd('\n')), ChatMessage.User("two")];
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, history, tokens: 5).Text + "\n", chat.Out);
    }

    [Fact]
    public async Task Interrupted_and_failed_answers_are_recorded_with_their_status()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=10;error=midstream-a@5";
        var failed = await CliRun.RunAsync(["ask", "Tell me something", "--edge", Edge], log: Log);
        Assert.Equal(1, failed.ExitCode);
        var row = Single(await CliRun.RunAsync(["log", "--json"], log: Log));
        Assert.StartsWith("error ", row.GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Equal(failed.Out.TrimEnd('\n'), row.GetProperty("answer").GetString());

        // Ctrl+C after three tokens.
        cli.Servers.Simulator.DefaultKnobs = "tokens=100;stall=3";
        var answer = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me more")], tokens: 100);
        using var interrupt = new InterruptSignal(register: false);
        var stdout = new SignalingWriter(answer.Tokens[0] + answer.Tokens[1] + answer.Tokens[2]);
        var running = CliRun.RunAsync(["ask", "Tell me more", "--edge", Edge], interrupt: interrupt, stdout: stdout, log: Log);
        await stdout.Seen.WaitAsync(TestContext.Current.CancellationToken);
        interrupt.Raise();
        Assert.Equal(130, (await running).ExitCode);
        var rows = Rows(await CliRun.RunAsync(["log", "--json"], log: Log));
        Assert.Equal("interrupted", rows[^1].GetProperty("status").GetString());
        Assert.Equal(answer.Tokens[0] + answer.Tokens[1] + answer.Tokens[2], rows[^1].GetProperty("answer").GetString());
    }

    [Fact]
    public async Task A_restarted_stream_moves_the_row_to_its_new_stream_id()
    {
        // --json allows restarts after text; this upstream fails every answer midway, so each attempt is a new stream.
        cli.Servers.Simulator.DefaultKnobs = "tokens=10;error=midstream-a@5";
        var run = await CliRun.RunAsync(["ask", "Tell me something", "--json", "--edge", Edge], log: Log);
        var starts = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "start").Select(e => e.GetProperty("stream_id").GetString()).ToList();
        Assert.True(starts.Distinct().Count() > 1, "the answer restarted");
        var row = Single(await CliRun.RunAsync(["log", "--json"], log: Log));
        Assert.Equal(starts[^1], row.GetProperty("stream_id").GetString());

        // The answer is the last attempt's text alone: what earlier attempts had written to the row is replaced, not appended to.
        var events = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var last = events.FindLastIndex(e => e.GetProperty("event").GetString() == "start");
        var text = string.Concat(events.Skip(last).Where(e => e.GetProperty("event").GetString() == "delta").Select(e => e.GetProperty("text").GetString()));
        Assert.NotEmpty(text);
        Assert.Equal(text, row.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Log_q_finds_exchanges_by_words_of_prompt_or_answer_and_delete_removes_one()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=8";
        await CliRun.RunAsync(["ask", "Tell me about rivers and their deltas", "-q", "--edge", Edge], log: Log);
        await CliRun.RunAsync(["ask", "What about mountains?", "-q", "--edge", Edge], log: Log);
        var rows = Rows(await CliRun.RunAsync(["log", "--json"], log: Log));
        var mountains = rows[1];
        var answerWord = mountains.GetProperty("answer").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(w => w.All(char.IsLetter) && w.Length > 4);

        // A word of a prompt (any case), a word of an answer, words that are FTS syntax taken literally, and no match.
        Assert.Equal([rows[0].GetProperty("id").GetInt64()], Ids(await CliRun.RunAsync(["log", "--json", "-q", "RIVERS deltas"], log: Log)));
        Assert.Contains(mountains.GetProperty("id").GetInt64(), Ids(await CliRun.RunAsync(["log", "--json", "-q", answerWord.ToUpperInvariant()], log: Log)));
        Assert.Empty(Ids(await CliRun.RunAsync(["log", "--json", "-q", "rivers AND NEAR mountains*"], log: Log)));
        var none = await CliRun.RunAsync(["log", "-q", "\"unbalanced"], log: Log);
        Assert.Equal((0, ""), (none.ExitCode, none.Out));

        // The list names each exchange by the first words of its prompt.
        Assert.Contains("Tell me about rivers and their deltas", (await CliRun.RunAsync(["log"], log: Log)).Out, StringComparison.Ordinal);
        Assert.Equal("Tell me about rivers and their deltas", rows[0].GetProperty("title").GetString());

        var delete = await CliRun.RunAsync(["log", "--delete", rows[0].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)], log: Log);
        Assert.Equal(0, delete.ExitCode);
        Assert.Equal([mountains.GetProperty("id").GetInt64()], Ids(await CliRun.RunAsync(["log", "--json"], log: Log)));
        Assert.Empty(Ids(await CliRun.RunAsync(["log", "--json", "-q", "rivers"], log: Log)));
        Assert.Equal(1, (await CliRun.RunAsync(["log", "--delete", "999"], log: Log)).ExitCode);

        static List<long> Ids(CliRun run) => [.. Rows(run).Select(r => r.GetProperty("id").GetInt64())];
    }

    [Fact]
    public async Task Log_export_prints_the_conversation_as_markdown()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=5";
        var first = await CliRun.RunAsync(["ask", "one", "-s", "Be brief", "-q", "--edge", Edge], log: Log);
        var second = await CliRun.RunAsync(["ask", "-c", "two", "-q", "--edge", Edge], log: Log);
        var rows = Rows(await CliRun.RunAsync(["log", "--json"], log: Log));
        var export = await CliRun.RunAsync(["log", "--export", rows[1].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)], log: Log);
        Assert.Equal(0, export.ExitCode);
        var model = rows[0].GetProperty("model").GetString();
        Assert.StartsWith($"# one\n\nConversation {rows[0].GetProperty("conversation_id").GetString()}, ", export.Out, StringComparison.Ordinal);
        Assert.Contains($"\n## System\n\nBe brief\n\n## You\n\none\n\n## {model}\n\n{first.Out.TrimEnd()}\n\n*", export.Out, StringComparison.Ordinal);
        Assert.Contains($"\n## You\n\ntwo\n\n## {model}\n\n{second.Out.TrimEnd()}\n\n*", export.Out, StringComparison.Ordinal);
        Assert.Contains(" out tokens", export.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_update_can_append_to_the_answer_already_stored()
    {
        using var log = ConversationLog.Open(Log, TextWriter.Null)!;
        var id = log.Begin(new Exchange { ConversationId = "c1", Prompt = "p" })!.Value;
        log.Update(new Exchange { Id = id, ConversationId = "c1", Prompt = "p", Answer = "Grüße, " });
        log.Update(new Exchange { Id = id, ConversationId = "c1", Prompt = "p", Answer = "world 🌍" }, appendAnswer: true);
        log.Update(new Exchange { Id = id, ConversationId = "c1", Prompt = "p", Answer = "", Status = Exchange.Complete }, appendAnswer: true);
        Assert.Equal("Grüße, world 🌍", Assert.Single(log.Recent(10, null)).Answer);
    }

    [Fact]
    public void A_log_of_the_first_schema_is_migrated_and_its_answers_can_be_searched()
    {
        // A version 1 database, as relay wrote it before the resume point and the search index existed.
        Directory.CreateDirectory(_home.FullName);
        using (var v1 = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_home.FullName, "relay.db")};Pooling=False"))
        {
            v1.Open();
            using var command = v1.CreateCommand();
            command.CommandText = """
                CREATE TABLE exchanges (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, created_at TEXT NOT NULL, model TEXT,
                    system_prompt TEXT, prompt TEXT NOT NULL, answer TEXT NOT NULL DEFAULT '', prompt_tokens INTEGER, completion_tokens INTEGER,
                    cost_usd REAL, first_token_ms REAL, stream_id TEXT, last_event_id TEXT, edge_url TEXT, status TEXT NOT NULL);
                INSERT INTO exchanges (conversation_id, created_at, prompt, answer, last_event_id, status)
                    VALUES ('c1', '2026-12-01T10:00:00.0000000+00:00', 'old question', 'an answer about lighthouses', 's-000001:7', 'streaming');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using var log = ConversationLog.Open(Log, TextWriter.Null)!;
        var found = Assert.Single(log.Search("Lighthouses", 10, null));
        Assert.Equal(("old question", "s-000001:7"), (found.Prompt, found.LastEventId));
    }

    [Fact]
    public async Task Each_shown_event_is_the_logs_resume_point_before_the_next_one_is_read()
    {
        // attach --rest resumes after the last event the dead process recorded as shown: that record must never lag
        // the screen, or the rest repeats text. Here nothing waits: the row is read the moment the next event is asked for.
        using var log = ConversationLog.Open(Log, TextWriter.Null)!;
        await using var recorder = ExchangeRecorder.Begin(log, new Exchange { ConversationId = "c1", Prompt = "p", Status = Exchange.Streaming }, TimeProvider.System)!;
        using var reader = ConversationLog.Open(Log, TextWriter.Null)!;
        var seen = new List<string?>();
        await foreach (var e in recorder.Observe(Events()))
        {
            _ = e;
        }

        Assert.Equal(["s-000001:1", "s-000001:2", "s-000001:3"], seen);

        async IAsyncEnumerable<StreamEvent> Events()
        {
            yield return new StartEvent("s-000001", "m", "p") { EventId = "s-000001:1" };
            for (var seq = 2; seq <= 4; seq++)
            {
                // The consumer has shown the previous event and asks for this one: the log already says so.
                seen.Add(reader.Get(recorder.ExchangeId)!.LastEventId);
                await Task.Yield();
                yield return new DeltaEvent("word ") { EventId = $"s-000001:{seq}" };
            }
        }
    }

    [Theory]
    [InlineData("file")]
    [InlineData("corrupt")]
    [InlineData("newer")]
    public async Task A_log_that_cannot_be_used_is_one_warning_and_the_answer_still_comes(string broken)
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=4";
        string home;
        if (broken == "file")
        {
            // RELAY_HOME under a regular file: no folder can be made there (as root, a read-only folder would prove nothing).
            var file = Path.Combine(_home.FullName, "a-file");
            await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
            home = Path.Combine(file, "relay");
        }
        else if (broken == "corrupt")
        {
            home = _home.FullName;
            await File.WriteAllTextAsync(Path.Combine(home, "relay.db"), new string('x', 4096), TestContext.Current.CancellationToken);
        }
        else
        {
            // Written by a newer relay: its schema is not ours to guess at.
            home = _home.FullName;
            using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(home, "relay.db")};Pooling=False");
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var ask = await CliRun.RunAsync(["ask", "Tell me something", "-q", "--edge", Edge], log: new LogLocation(home));
        Assert.Equal(0, ask.ExitCode);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 4).Text + "\n", ask.Out);
        var warning = Assert.Single(ask.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("relay: warning: the conversation log at ", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_log_and_RELAY_LOG_off_record_nothing()
    {
        cli.Servers.Simulator.DefaultKnobs = "tokens=3";
        Assert.Equal(0, (await CliRun.RunAsync(["ask", "q", "--no-log", "--edge", Edge], log: Log)).ExitCode);
        Assert.False(File.Exists(Path.Combine(_home.FullName, "relay.db")));

        foreach (var off in new[] { "0", "false", "OFF" })
        {
            var location = LogLocation.FromEnvironment(name => name switch { "RELAY_LOG" => off, "RELAY_HOME" => _home.FullName, _ => null });
            Assert.False(location.Enabled);
        }

        Assert.Equal(Path.Combine("/data", "relay", "relay.db"), LogLocation.FromEnvironment(name => name == "XDG_DATA_HOME" ? "/data" : null).DatabasePath);
        Assert.Equal(Path.Combine("/r", "relay.db"), LogLocation.FromEnvironment(name => name switch { "RELAY_HOME" => "/r", "XDG_DATA_HOME" => "/data", _ => null }).DatabasePath);
    }

    [Fact]
    public async Task Attach_refuses_an_answer_of_the_in_process_edge_and_prints_what_was_kept_of_a_gone_stream()
    {
        using (var log = ConversationLog.Open(Log, TextWriter.Null)!)
        {
            log.Begin(new Exchange { ConversationId = "c1", Prompt = "in process", StreamId = "inprocess-stream-1" });
        }

        var refused = await CliRun.RunAsync(["attach"], log: Log);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("answered by the edge inside its relay process", refused.Error, StringComparison.Ordinal);

        using (var log = ConversationLog.Open(Log, TextWriter.Null)!)
        {
            var id = log.Begin(new Exchange { ConversationId = "c2", Prompt = "gone", StreamId = "gone-stream-1", EdgeUrl = Edge })!.Value;
            log.Update(new Exchange { Id = id, ConversationId = "c2", Prompt = "gone", StreamId = "gone-stream-1", EdgeUrl = Edge, Answer = "The part that was shown", LastEventId = "gone-stream-1:6" });
        }

        var gone = await CliRun.RunAsync(["attach"], log: Log);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal("The part that was shown\n", gone.Out);
        Assert.Contains("error STREAM_NOT_FOUND", gone.Error, StringComparison.Ordinal);
        Assert.Contains("hint: the edge did not keep this answer", gone.Error, StringComparison.Ordinal);

        // The record survives a replay that could not reach it (with --rest nothing is injected, and nothing is lost).
        var rest = await CliRun.RunAsync(["attach", "gone-stream-1", "--rest"], log: Log);
        Assert.Equal(1, rest.ExitCode);
        Assert.Equal("", rest.Out);
        var row = Rows(await CliRun.RunAsync(["log", "--json"], log: Log))[^1];
        Assert.Equal("The part that was shown", row.GetProperty("answer").GetString());
        Assert.Equal("error STREAM_NOT_FOUND", row.GetProperty("status").GetString());
    }

    private static JsonElement Single(CliRun run) => Assert.Single(Rows(run));

    private static List<JsonElement> Rows(CliRun run)
    {
        Assert.Equal(0, run.ExitCode);
        return [.. run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }
}
