using Relay.Cli.Editing;
using Relay.Testing;
using static Relay.Cli.Tests.ScriptedKeys;

namespace Relay.Cli.Tests;

/// <summary>relay chat's line editor with scripted keys; what it draws is replayed on a tiny terminal.</summary>
public sealed class LineEditorTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("relay-editor-");
    private readonly StringWriter _screen = new();

    private string HistoryPath => Path.Combine(_home.FullName, "history.jsonl");

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public void Editing_keys_move_and_delete_as_in_a_shell()
    {
        Assert.Equal("say hello world", Read(new ScriptedKeys().Type("hello", Ctrl('a'), "say ", Ctrl('e'), " world", "\r")));
        Assert.Equal("one ", Read(new ScriptedKeys().Type("one two", Ctrl('w'), "\r")));
        Assert.Equal("ab", Read(new ScriptedKeys().Type("abcdef", Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), Ctrl('k'), "\r")));
        Assert.Equal("def", Read(new ScriptedKeys().Type("abcdef", Key(ConsoleKey.Home), Key(ConsoleKey.RightArrow), Key(ConsoleKey.RightArrow), Key(ConsoleKey.RightArrow), Ctrl('u'), "\r")));
        Assert.Equal("ac🌍", Read(new ScriptedKeys().Type("ab🌍", Key(ConsoleKey.LeftArrow), Key(ConsoleKey.Backspace), "c", Key(ConsoleKey.End), "\r")));
        Assert.Equal("bc", Read(new ScriptedKeys().Type("abc", Ctrl('a'), Key(ConsoleKey.Delete), "\r")));
    }

    [Fact]
    public void Up_and_Down_walk_the_history_which_outlives_the_process()
    {
        var history = LineHistory.Load(HistoryPath);
        Read(new ScriptedKeys().Type("first\r"), history);
        Read(new ScriptedKeys().Type("second\r"), history);
        Read(new ScriptedKeys().Type("second\r"), history); // the same again is not another entry

        var reloaded = LineHistory.Load(HistoryPath);
        Assert.Equal(2, reloaded.Count);
        Assert.Equal("first", Read(new ScriptedKeys().Type("draft", Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow), "\r"), reloaded));
        Assert.Equal("draft", Read(new ScriptedKeys().Type("draft", Key(ConsoleKey.UpArrow), Key(ConsoleKey.DownArrow), "\r"), reloaded));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(HistoryPath));
        }
    }

    [Fact]
    public void Ctrl_R_finds_the_newest_entry_containing_the_query_and_again_an_older_one()
    {
        Assert.Equal("rivers in Europe", Read(new ScriptedKeys().Type(Ctrl('r'), "RIV", "\r"), History()));
        Assert.Equal("tell me about rivers", Read(new ScriptedKeys().Type(Ctrl('r'), "riv", Ctrl('r'), "\r"), History()));
        Assert.Equal("tell me about rivers!", Read(new ScriptedKeys().Type(Ctrl('r'), "riv", Ctrl('r'), Key(ConsoleKey.End), "!\r"), History()));
        Assert.Equal("draft", Read(new ScriptedKeys().Type("draft", Ctrl('r'), "delta", Key(ConsoleKey.Escape), "\r"), History()));

        static LineHistory History()
        {
            var history = LineHistory.InMemory();
            foreach (var line in new[] { "tell me about rivers", "what is a delta", "rivers in Europe" })
            {
                history.Add(line);
            }

            return history;
        }
    }

    [Fact]
    public void Alt_Enter_a_trailing_backslash_and_a_paste_make_one_message_of_several_lines()
    {
        Assert.Equal("one\ntwo", Read(new ScriptedKeys().Type("one", Key(ConsoleKey.Enter, ConsoleModifiers.Alt), "two\r")));
        Assert.Equal("one\ntwo", Read(new ScriptedKeys().Type("one\\", "\r", "two\r")));
        Assert.Equal("line 1\nline 2\nline 3", Read(new ScriptedKeys().Paste("line 1\rline 2\rline 3").Type("\r")));

        // A control key typed ahead of Enter is no paste: the line is sent and the key is the next line's.
        var keys = new ScriptedKeys().Paste("/usage\r", Ctrl('d'));
        var editor = new LineEditor(_screen, keys, LineHistory.InMemory(), () => 80);
        Assert.Equal("/usage", editor.Read("> ", _ => false));
        Assert.Null(editor.Read("> ", _ => false));
        Assert.Contains("> one\n… two\n", TerminalScreen.Render(_screen.ToString()), StringComparison.Ordinal);
    }

    [Fact]
    public void Ctrl_D_on_an_empty_line_ends_on_a_fresh_line_and_Ctrl_C_clears_then_asks_twice()
    {
        Assert.Null(Read(new ScriptedKeys().Type(Ctrl('d'))));
        Assert.EndsWith("\r\n", _screen.ToString(), StringComparison.Ordinal);

        var calls = new List<bool>();
        var editor = new LineEditor(_screen, new ScriptedKeys().Type("abc", Ctrl('c'), Ctrl('c'), "x", Ctrl('c'), Ctrl('c'), Ctrl('c')), LineHistory.InMemory(), () => 80);
        Assert.Null(editor.Read("> ", again =>
        {
            calls.Add(again);
            return again;
        }));
        Assert.Equal([false, false, true], calls); // text cleared; empty; text cleared; empty; again right after: leave
    }

    [Fact]
    public void A_long_line_with_wide_characters_wraps_as_the_terminal_does_and_the_cursor_is_where_the_keys_put_it()
    {
        // 20 columns: "> " then 24 cells of text; the wide characters that do not fit in a row go whole to the next.
        var keys = new ScriptedKeys().Type("abcdefghijklmnop東京東京", Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), Key(ConsoleKey.LeftArrow), "\r");
        var drawn = new List<(string Screen, int Row, int Col)>();
        var recorder = new RecordingKeys(keys, () => drawn.Add(TerminalScreen.Replay(_screen.ToString(), 20)));
        var editor = new LineEditor(_screen, recorder, LineHistory.InMemory(), () => 20);
        Assert.Equal("abcdefghijklmnop東京東京", editor.Read("> ", _ => false));

        // Before Enter: the text as two rows, the cursor before the first 京 of the second row, 3 wide characters back.
        var (screen, row, col) = drawn[^1];
        Assert.Equal("> abcdefghijklmnop東\n京東京", screen);
        Assert.Equal((1, 0), (row, col));
    }

    private string? Read(ScriptedKeys keys, LineHistory? history = null) =>
        new LineEditor(_screen, keys, history ?? LineHistory.InMemory(), () => 80).Read("> ", _ => false);

    /// <summary>Passes keys through and notes the screen before each one is read (after the editor drew the last).</summary>
    private sealed class RecordingKeys(IKeyReader inner, Action beforeRead) : IKeyReader
    {
        public bool KeyAvailable => inner.KeyAvailable;

        public ConsoleKeyInfo ReadKey()
        {
            beforeRead();
            return inner.ReadKey();
        }
    }
}
