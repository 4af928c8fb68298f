using System.Text;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace Relay.Cli.Markdown;

/// <summary>
/// Writes an answer to a terminal as Markdown while it streams. Text goes out as it arrives; the block in progress is
/// plain. When a block ends (the next one has begun, a blank line, a closing fence, a heading's line end, the answer's
/// end), it is redrawn rendered in place: the cursor goes back to its first row, the screen is cleared from there, and the rendered block plus whatever
/// plain text followed it is written again. A block whose first row has scrolled off the screen is left plain. A table
/// (a block whose first line starts with <c>|</c>) is held back until it is complete, then written rendered.
/// </summary>
/// <remarks>
/// Only the unsettled part of the answer is kept (the region: from the first row of the block in progress), and it is
/// parsed again each time a line ends, so the work per line is the size of one block.
/// </remarks>
internal sealed class MarkdownStream(TextWriter output, int width, int height)
{
    private readonly StringBuilder _region = new();
    private MarkdownRenderer? _renderer;
    private int _shown;
    private int _rowsBefore;
    private bool _tableInProgress;
    private bool _plain;
    private bool _lineStart = true;

    /// <summary>Rows from this answer's first row to the cursor's: what erasing it has to go up.</summary>
    public int RowsAboveCursor => _rowsBefore + TerminalRows.Of(_region.ToString(0, _shown), width) - 1;

    /// <summary>Whether the cursor is at the start of a row (the answer ended with a newline, or was rendered).</summary>
    public bool AtLineStart => _lineStart;

    /// <summary>Writes the text, and redraws the blocks it ends.</summary>
    public void Write(string text)
    {
        _region.Append(text);
        if (!_plain && text.Contains('\n'))
        {
            Settle(final: false);
        }

        Flush();
    }

    /// <summary>The answer is complete: its last block is rendered too.</summary>
    public void Complete()
    {
        if (!_plain)
        {
            Settle(final: true);
        }

        Abandon();
    }

    /// <summary>Leaves the rest plain: the answer was interrupted, failed, or something else wrote to the terminal.</summary>
    public void Abandon()
    {
        _plain = true;
        Flush();
    }

    /// <summary>Starts over, for an answer that restarts after the old one was erased.</summary>
    public void Reset()
    {
        _region.Clear();
        (_shown, _rowsBefore, _tableInProgress, _plain, _lineStart) = (0, 0, false, false, true);
    }

    private void Settle(bool final)
    {
        var end = final ? _region.Length : LastLineEnd();
        if (end <= 0)
        {
            return;
        }

        var source = _region.ToString(0, end);
        var document = MarkdownRenderer.Parse(source);
        _tableInProgress = !final && document.LastChild is Table && !Ended(document.LastChild, source);
        var lastEnded = final || Ended(document.LastChild, source);
        var settled = lastEnded ? document.Count : document.Count - 1;
        if (settled <= 0)
        {
            return;
        }

        var settledEnd = lastEnded ? end : LineStart(source, document[^1].Line);
        var rowsUp = TerminalRows.Of(_region.ToString(0, _shown), width) - 1;
        var rendered = rowsUp < height ? Render(document, settled, source, settledEnd) : null;
        if (rendered is not null && !(_shown >= settledEnd && AsWritten(source, settledEnd, rendered)))
        {
            // Nothing of it on screen yet (a held table, or text that came in one piece): nothing to go back over.
            output.Write(_shown == 0 ? rendered : Ansi.RowsUp(rowsUp) + Ansi.ClearToEndOfScreen + rendered);
            _lineStart = true;
            _rowsBefore += TerminalRows.Of(Ansi.Strip(rendered), width) - 1;
            _shown = 0;
        }
        else
        {
            // Off the screen, not drawable, or drawn exactly as written: the settled text stays, and held text goes out plain.
            if (_shown < settledEnd)
            {
                Put(source.AsSpan(_shown, settledEnd - _shown));
                _shown = settledEnd;
            }

            _rowsBefore += TerminalRows.Of(source.AsSpan(0, settledEnd), width) - 1;
            _shown -= settledEnd;
        }

        _region.Remove(0, settledEnd);
    }

    /// <summary>The settled blocks drawn, each followed by the blank lines that followed it; null when drawing failed.</summary>
    private string? Render(MarkdownDocument document, int settled, string source, int settledEnd)
    {
        try
        {
            _renderer ??= new MarkdownRenderer(width);
            var text = new StringBuilder();
            for (var i = 0; i < settled; i++)
            {
                var block = document[i];
                foreach (var line in _renderer.Render(block, source))
                {
                    text.Append(line).Append('\n');
                }

                var next = i + 1 < settled ? document[i + 1].Line : LineOf(source, settledEnd);
                text.Append('\n', Math.Max(0, next - LineOf(source, block.Span.End) - 1));
            }

            return text.ToString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Rendering is a nicety: text the renderer cannot draw stays as the model wrote it.
            _plain = true;
            return null;
        }
    }

    /// <summary>Whether the drawing is the text as written (plain prose that fits): then nothing is redrawn.</summary>
    private static bool AsWritten(string source, int settledEnd, string rendered)
    {
        var written = source.AsSpan(0, settledEnd);
        return written.EndsWith("\n") ? written.SequenceEqual(rendered) : rendered.AsSpan().StartsWith(written) && rendered.Length == written.Length + 1;
    }

    /// <summary>
    /// Whether the last block can take no more lines: a heading or a rule at its line's end, fenced code at its closing
    /// fence, anything but a list or indented code at a blank line. Drawn then, not when the next block begins.
    /// </summary>
    private static bool Ended(Block? block, string source) => block switch
    {
        HeadingBlock or ThematicBreakBlock => true,
        FencedCodeBlock fenced => fenced.ClosingFencedCharCount > 0,
        ListBlock or CodeBlock or null => false,
        _ => source.EndsWith('\n') && source.AsSpan(0, source.Length - 1).TrimEnd(' ').EndsWith("\n"),
    };

    private void Flush()
    {
        var until = _plain ? _region.Length : HeldFrom();
        if (_shown < until)
        {
            Put(_region.ToString(_shown, until - _shown));
            _shown = until;
        }
    }

    /// <summary>
    /// Where held text starts: a pipe table is held from its first character, until its second line shows whether it is a
    /// table, then until it ends. The region's length when nothing is held.
    /// </summary>
    private int HeldFrom()
    {
        // The run of lines at the end that start with '|', the partial line included; an empty partial line is skipped.
        var from = _region.Length;
        var completeLines = 0;
        var end = _region.Length;
        var partial = true;
        while (true)
        {
            var start = end;
            while (start > 0 && _region[start - 1] != '\n')
            {
                start--;
            }

            if (!(partial && start == end))
            {
                var first = start;
                while (first < end && _region[first] is ' ' or '\t')
                {
                    first++;
                }

                if (first == end || _region[first] != '|')
                {
                    break;
                }

                from = start;
                completeLines += partial ? 0 : 1;
            }

            if (start == 0)
            {
                break;
            }

            end = start - 1;
            partial = false;
        }

        return from < _region.Length && (completeLines <= 1 || _tableInProgress) ? Math.Max(from, _shown) : _region.Length;
    }

    private int LastLineEnd()
    {
        for (var i = _region.Length - 1; i >= 0; i--)
        {
            if (_region[i] == '\n')
            {
                return i + 1;
            }
        }

        return 0;
    }

    private void Put(ReadOnlySpan<char> text)
    {
        output.Write(text);
        _lineStart = text[^1] == '\n';
    }

    private static int LineStart(string source, int line)
    {
        var index = 0;
        for (var i = 0; i < line && index >= 0; i++)
        {
            index = source.IndexOf('\n', index) + 1;
        }

        return Math.Max(0, index);
    }

    private static int LineOf(string source, int position) => source.AsSpan(0, Math.Clamp(position, 0, source.Length)).Count('\n');
}
