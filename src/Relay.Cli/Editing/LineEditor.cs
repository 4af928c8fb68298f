using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Relay.Cli.Editing;

/// <summary>
/// <c>relay chat</c>'s prompt on a terminal: a small line editor on raw keys (RadLine, Spectre's, does not build against
/// our Spectre.Console, and no other maintained one is to be had). Left/Right, Home/End, Backspace/Delete, Ctrl+A/E/U/K/W,
/// Up/Down through <see cref="LineHistory"/>, Ctrl+R to search it, Alt+Enter or a trailing <c>\</c> for a new line, and a
/// paste with newlines stays one message (Enter with more keys already waiting is a newline). Ctrl+C clears the line;
/// on an empty line it is handed to <c>onInterrupt</c> (told whether the key before was that too), which says whether
/// to stop reading. Ctrl+D on an empty line ends the input. The text is redrawn whole on each change, wrapped by cell width (wide characters take two).
/// </summary>
internal sealed class LineEditor(TextWriter output, IKeyReader keys, LineHistory history, Func<int> width)
{
    private const string Continuation = "… ";

    private readonly StringBuilder _text = new();

    /// <summary>A key read ahead to tell a paste from type-ahead, given back to the next read.</summary>
    private readonly Queue<ConsoleKeyInfo> _pending = new();
    private int _cursor;

    /// <summary>Rows between the first row of what was drawn and the cursor's row.</summary>
    private int _cursorRow;

    /// <summary>Reads one entry; null when the input ends (Ctrl+D on an empty line, or <paramref name="onInterrupt"/> says so).</summary>
    public string? Read(string prompt, Func<bool, bool> onInterrupt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(onInterrupt);
        (_text.Length, _cursor, _cursorRow) = (0, 0, 0);
        var browsing = history.Count; // the history entry shown, Count for the line being typed
        var typed = "";
        var interrupted = false;
        Render(prompt);
        while (true)
        {
            var key = NextKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            var again = interrupted;
            interrupted = false;
            var alt = (key.Modifiers & ConsoleModifiers.Alt) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter when alt || PastedLineFollows():
                    Insert("\n");
                    break;
                case ConsoleKey.Enter when _cursor == _text.Length && _cursor > 0 && _text[_cursor - 1] == '\\':
                    _text[--_cursor] = '\n';
                    _cursor++;
                    break;
                case ConsoleKey.Enter:
                    return Submit(prompt);
                case ConsoleKey.C when control:
                    if (_text.Length > 0)
                    {
                        (_text.Length, _cursor) = (0, 0);
                        break;
                    }

                    End(prompt);
                    if (onInterrupt(again))
                    {
                        return null;
                    }

                    interrupted = true;
                    break;
                case ConsoleKey.D when control:
                    if (_text.Length == 0)
                    {
                        End(prompt);
                        return null;
                    }

                    Delete(_cursor, Step(_cursor, 1));
                    break;
                case ConsoleKey.A when control:
                case ConsoleKey.Home:
                    _cursor = 0;
                    break;
                case ConsoleKey.E when control:
                case ConsoleKey.End:
                    _cursor = _text.Length;
                    break;
                case ConsoleKey.B when control:
                case ConsoleKey.LeftArrow:
                    _cursor = Math.Max(0, _cursor - Step(_cursor, -1));
                    break;
                case ConsoleKey.F when control:
                case ConsoleKey.RightArrow:
                    _cursor = Math.Min(_text.Length, _cursor + Step(_cursor, 1));
                    break;
                case ConsoleKey.U when control:
                    Delete(0, _cursor);
                    break;
                case ConsoleKey.K when control:
                    Delete(_cursor, _text.Length - _cursor);
                    break;
                case ConsoleKey.W when control:
                    var start = _cursor;
                    while (start > 0 && char.IsWhiteSpace(_text[start - 1]))
                    {
                        start--;
                    }

                    while (start > 0 && !char.IsWhiteSpace(_text[start - 1]))
                    {
                        start--;
                    }

                    Delete(start, _cursor - start);
                    break;
                case ConsoleKey.Backspace:
                    var back = Step(_cursor, -1);
                    Delete(_cursor - back, back);
                    break;
                case ConsoleKey.Delete:
                    Delete(_cursor, Step(_cursor, 1));
                    break;
                case ConsoleKey.UpArrow or ConsoleKey.DownArrow:
                    var next = Math.Clamp(browsing + (key.Key == ConsoleKey.UpArrow ? -1 : 1), 0, history.Count);
                    if (next != browsing)
                    {
                        typed = browsing == history.Count ? _text.ToString() : typed;
                        browsing = next;
                        Replace(browsing == history.Count ? typed : history[browsing]);
                    }

                    break;
                case ConsoleKey.R when control:
                    if (Search() is { } found)
                    {
                        Replace(found.Text);
                        if (found.Submit)
                        {
                            return Submit(prompt);
                        }
                    }

                    break;
                case ConsoleKey.L when control:
                    output.Write("\e[H\e[2J");
                    _cursorRow = 0;
                    break;
                default:
                    if (key.KeyChar >= ' ' && !control)
                    {
                        Insert(key.KeyChar.ToString());
                    }

                    break;
            }

            Render(prompt);
        }
    }

    /// <summary>The display width of a text: a wide character takes two cells, a combining one none.</summary>
    internal static int Cells(string text) => text.GetCellWidth();

    private static int Cells(Rune rune) => rune.Value < 0x80 ? (rune.Value >= 0x20 ? 1 : 0) : rune.ToString().GetCellWidth();

    /// <summary>
    /// Ctrl+R: the newest entry that contains what is typed (any case); Ctrl+R again for an older one. Enter takes and sends
    /// it, Esc or Ctrl+G goes back to the line as it was, any other key takes it to edit.
    /// </summary>
    private (string Text, bool Submit)? Search()
    {
        var query = new StringBuilder();
        var original = _text.ToString();
        var at = history.Count; // the entry shown; Count for none
        while (true)
        {
            Replace(at < history.Count ? history[at] : original);
            Render($"(search '{query}') ");
            var key = NextKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            int from;
            if (key.Key == ConsoleKey.Enter)
            {
                return (_text.ToString(), true);
            }
            else if (key.Key == ConsoleKey.Escape || (control && key.Key is ConsoleKey.G or ConsoleKey.C))
            {
                Replace(original);
                return null;
            }
            else if (control && key.Key == ConsoleKey.R)
            {
                from = at - 1;
            }
            else if (key.Key == ConsoleKey.Backspace)
            {
                query.Length = Math.Max(0, query.Length - 1);
                from = history.Count - 1;
            }
            else if (key.KeyChar >= ' ' && !control)
            {
                query.Append(key.KeyChar);
                from = Math.Min(at, history.Count - 1); // the entry shown may still match
            }
            else
            {
                return (_text.ToString(), false);
            }

            var found = from;
            while (found >= 0 && !history[found].Contains(query.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                found--;
            }

            // No older match for Ctrl+R keeps the one shown, as a shell does.
            at = found >= 0 ? found : control ? at : history.Count;
        }
    }

    private ConsoleKeyInfo NextKey() => _pending.TryDequeue(out var key) ? key : keys.ReadKey();

    /// <summary>
    /// Whether the Enter just read is inside a paste: more keys were already waiting and the next is text (or another
    /// line). A control key typed ahead (Ctrl+D right after a command) is not a paste: it is kept for the next read.
    /// </summary>
    private bool PastedLineFollows()
    {
        if (_pending.Count > 0 || !keys.KeyAvailable)
        {
            return false;
        }

        var next = keys.ReadKey();
        _pending.Enqueue(next);
        return next.Key == ConsoleKey.Enter || (next.KeyChar >= ' ' && (next.Modifiers & (ConsoleModifiers.Control | ConsoleModifiers.Alt)) == 0);
    }

    private string Submit(string prompt)
    {
        var line = _text.ToString();
        End(prompt);
        history.Add(line);
        return line;
    }

    /// <summary>Draws the whole text with the cursor at its end, then leaves the cursor on a fresh line.</summary>
    private void End(string prompt)
    {
        _cursor = _text.Length;
        Render(prompt);
        output.Write("\r\n");
        output.Flush();
        _cursorRow = 0;
    }

    private void Insert(string s)
    {
        _text.Insert(_cursor, s);
        _cursor += s.Length;
    }

    private void Delete(int start, int count)
    {
        count = Math.Min(count, _text.Length - start);
        if (count <= 0 || start < 0)
        {
            return;
        }

        _text.Remove(start, count);
        _cursor = start;
    }

    private void Replace(string text)
    {
        _text.Clear().Append(text);
        _cursor = _text.Length;
    }

    /// <summary>UTF-16 units of the character before (-1) or at (1) <paramref name="at"/>: 2 for a surrogate pair.</summary>
    private int Step(int at, int direction)
    {
        if (direction < 0)
        {
            return at >= 2 && char.IsLowSurrogate(_text[at - 1]) && char.IsHighSurrogate(_text[at - 2]) ? 2 : at >= 1 ? 1 : 0;
        }

        return at + 1 < _text.Length && char.IsHighSurrogate(_text[at]) && char.IsLowSurrogate(_text[at + 1]) ? 2 : at < _text.Length ? 1 : 0;
    }

    /// <summary>
    /// Redraws from the first row: the prompt, the text (a new line in it continues under "… "), wrapped by cells as the
    /// terminal wraps, then puts the cursor where it belongs.
    /// </summary>
    private void Render(string prompt)
    {
        var columns = Math.Max(width(), 10);
        var draw = new StringBuilder();
        draw.Append('\r');
        if (_cursorRow > 0)
        {
            draw.Append(CultureInfo.InvariantCulture, $"\e[{_cursorRow}A");
        }

        draw.Append("\e[J").Append(prompt);
        var (row, col) = (0, Cells(Ansi.Strip(prompt)) % columns);
        (int Row, int Col) cursorAt = (row, col);
        var text = _text.ToString();
        for (var i = 0; i < text.Length;)
        {
            // A lone surrogate (the first half of a pair whose second key is still to come) draws as U+FFFD.
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var units);
            var cells = rune.Value == '\n' ? 0 : Cells(rune);
            if (col + cells > columns)
            {
                draw.Append("\r\n"); // wrap before it, as the terminal would, but without its pending-wrap state
                (row, col) = (row + 1, 0);
            }

            if (i == _cursor)
            {
                cursorAt = (row, col);
            }

            if (rune.Value == '\n')
            {
                draw.Append("\r\n").Append(Continuation);
                (row, col) = (row + 1, Cells(Continuation));
            }
            else
            {
                draw.Append(rune.ToString());
                col += cells;
            }

            i += units;
        }

        if (_cursor == text.Length)
        {
            cursorAt = (row, col);
        }

        if (col >= columns)
        {
            draw.Append("\r\n");
            (row, col) = (row + 1, 0);
            cursorAt = cursorAt.Row == row - 1 && cursorAt.Col >= columns ? (row, 0) : cursorAt;
        }

        if (row > cursorAt.Row)
        {
            draw.Append(CultureInfo.InvariantCulture, $"\e[{row - cursorAt.Row}A");
        }

        draw.Append('\r');
        if (cursorAt.Col > 0)
        {
            draw.Append(CultureInfo.InvariantCulture, $"\e[{cursorAt.Col}C");
        }

        _cursorRow = cursorAt.Row;
        output.Write(draw.ToString());
        output.Flush();
    }
}
