using System.Text;
using Relay.Contracts;
using Spectre.Console;

namespace Relay.Cli;

/// <summary>
/// Turns a stream of events into what a person sees: the answer on stdout, written and flushed as each delta
/// arrives; reasoning, reconnection status, usage and errors on stderr. On a terminal a restarted answer is
/// erased and streams again in place; elsewhere nothing is ever written twice (the client is told not to
/// restart once text was written).
/// </summary>
internal sealed class AnswerRenderer(CliConsole console, RenderOptions options, TimeProvider time)
{
    private readonly StringBuilder _text = new();
    private bool _statusShown;
    private bool _reasoningOpen;

    /// <summary>Renders one answer; cancellation of <paramref name="cancellationToken"/> counts as interrupted.</summary>
    /// <param name="events">The answer's events.</param>
    /// <param name="cancellationToken">Ctrl+C (or a signal) for this answer.</param>
    /// <param name="interrupted">
    /// On an interrupted answer, given the last event id shown: ends the stream at the edge and returns the edge's usage,
    /// which the usage line then shows instead of the client's own count.
    /// </param>
    public async Task<AnswerOutcome> RenderAsync(IAsyncEnumerable<StreamEvent> events, CancellationToken cancellationToken, Func<string?, Task<Usage?>>? interrupted = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var started = time.GetTimestamp();
        long? firstDelta = null;
        string? model = null;
        Usage? usage = null;
        StreamError? error = null;
        var deltas = 0;
        var wasInterrupted = false;
        string? finish = null;
        string? lastEventId = null;
        try
        {
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                lastEventId = e.EventId ?? lastEventId;
                if (options.Json)
                {
                    await console.Out.WriteLineAsync(JsonEventLine.Format(e));
                    await console.Out.FlushAsync(CancellationToken.None);
                }

                switch (e)
                {
                    case StartEvent s:
                        model = s.Model;
                        break;
                    case DeltaEvent d:
                        firstDelta ??= time.GetTimestamp();
                        deltas++;
                        await WriteTextAsync(d.Text);
                        break;
                    case ReasoningEvent r:
                        await WriteReasoningAsync(r.Text);
                        break;
                    case UsageEvent u:
                        usage = u.Usage;
                        break;
                    case DoneEvent done:
                        finish = done.FinishReason;
                        break;
                    case ErrorEvent x:
                        error = x.Error;
                        break;
                    case ReconnectingEvent c:
                        await ShowStatusAsync($"connection lost, reconnecting in {c.DelayMs / 1000.0:0.0} s, attempt {c.Attempt} of {c.MaxAttempts}");
                        break;
                    case RestartedEvent:
                        await EraseAnswerAsync();
                        firstDelta = null;
                        deltas = 0;
                        usage = null;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            wasInterrupted = true;
            if (interrupted is not null && await interrupted(lastEventId) is { } counted)
            {
                usage = counted;
            }
        }

        await ClearStatusAsync();
        await EndReasoningAsync();
        if (!options.Json && _text.Length > 0 && _text[^1] != '\n')
        {
            await console.Out.WriteLineAsync();
        }

        await console.Out.FlushAsync(CancellationToken.None);
        var end = time.GetTimestamp();
        if (!options.Quiet && (error is null || deltas > 0))
        {
            var ttft = firstDelta is { } f ? time.GetElapsedTime(started, f) : (TimeSpan?)null;
            var generation = firstDelta is { } g ? time.GetElapsedTime(g, end) : (TimeSpan?)null;
            await WriteStatusLineAsync(UsageLine.Format(model, usage, deltas, ttft, generation, wasInterrupted, finish), Ansi.Dim);
        }

        if (error is not null)
        {
            await WriteErrorAsync(error);
        }

        return new AnswerOutcome(_text.ToString(), model, usage, error, wasInterrupted);
    }

    /// <summary>Prints <c>error CODE: message</c> and the hint, if any, on stderr.</summary>
    public async Task WriteErrorAsync(StreamError error)
    {
        var line = $"error {error.WireName}: {error.Message}";
        await console.Error.WriteLineAsync(console.ErrorColor ? Ansi.Red + line + Ansi.Reset : line);
        if (ErrorHints.ForCli(error) is { } hint)
        {
            await console.Error.WriteLineAsync(console.ErrorColor ? Ansi.Dim + "hint: " + hint + Ansi.Reset : "hint: " + hint);
        }
    }

    private async Task WriteTextAsync(string text)
    {
        await ClearStatusAsync();
        await EndReasoningAsync();
        _text.Append(text);
        if (!options.Json)
        {
            await console.Out.WriteAsync(text);
            await console.Out.FlushAsync(CancellationToken.None);
        }
    }

    private async Task WriteReasoningAsync(string text)
    {
        if (options.Json || !(options.ShowReasoning || console.ErrorIsTerminal))
        {
            return;
        }

        await ClearStatusAsync();
        _reasoningOpen = true;
        await console.Error.WriteAsync(console.ErrorColor ? Ansi.Dim + text + Ansi.Reset : text);
    }

    private async Task EndReasoningAsync()
    {
        if (_reasoningOpen)
        {
            _reasoningOpen = false;
            await console.Error.WriteLineAsync();
        }
    }

    private async Task ShowStatusAsync(string status)
    {
        if (options.Quiet || options.Json)
        {
            return;
        }

        if (!console.ErrorIsTerminal)
        {
            await console.Error.WriteLineAsync(status);
            return;
        }

        // On a terminal the status sits after the partial answer and is erased before the answer goes on.
        await ClearStatusAsync();
        var styled = console.ErrorColor ? Ansi.Yellow + " [" + status + "]" + Ansi.Reset : " [" + status + "]";
        await console.Error.WriteAsync(Ansi.SaveCursor + styled);
        _statusShown = true;
    }

    private async Task ClearStatusAsync()
    {
        if (_statusShown)
        {
            _statusShown = false;
            await console.Error.WriteAsync(Ansi.RestoreCursor + Ansi.ClearToEndOfLine);
        }
    }

    private async Task EraseAnswerAsync()
    {
        await ClearStatusAsync();
        if (_text.Length > 0 && console.OutputAnsi && !options.Json)
        {
            await console.Out.WriteAsync(Ansi.RowsUp(RowsTaken(_text, console.Width) - 1) + Ansi.ClearToEndOfScreen);
            await console.Out.FlushAsync(CancellationToken.None);
        }

        // On a terminal the erased answer says enough; in a log, say why the text starts over.
        if (!options.Quiet && !options.Json && !console.ErrorIsTerminal)
        {
            await console.Error.WriteLineAsync("answer restarted");
        }

        _text.Clear();
    }

    private async Task WriteStatusLineAsync(string line, string style) =>
        await console.Error.WriteLineAsync(console.ErrorColor ? style + line + Ansi.Reset : line);

    /// <summary>
    /// Rows the text takes on a terminal <paramref name="width"/> columns wide, wrapping long lines: each character takes
    /// its cell width (two for CJK and most emoji, Spectre.Console's table), and a wide one that does not fit in the last
    /// column wraps whole to the next row.
    /// </summary>
    internal static int RowsTaken(StringBuilder text, int width)
    {
        var rows = 1;
        var column = 0;
        foreach (var rune in text.ToString().EnumerateRunes())
        {
            if (rune.Value == '\n')
            {
                rows++;
                column = 0;
                continue;
            }

            var cells = rune.ToString().GetCellWidth();
            if (column + cells > width)
            {
                rows++;
                column = 0;
            }

            column += cells;
        }

        return rows;
    }
}
