using System.Text;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// Records one answer in the conversation log while it streams. The last event shown is written at once, before the next
/// one is read (a small row: the resume point of <c>relay attach --rest</c> never lags the screen); the answer's text goes
/// to the row off the path that prints it, from a background loop at most once a second, then once more when it ends.
/// </summary>
internal sealed class ExchangeRecorder : IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly ConversationLog _log;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flusher;
    private Exchange _row;
    private int _pending;

    // Changed by nearly every event, so kept as fields and put into the row only when it is written: a new record per
    // token would be most of what a long answer allocates here.
    private string? _lastEventId;
    private double? _firstTokenMs;

    /// <summary>For an attach: the answer already recorded, kept until the replay has caught up with it.</summary>
    private string _recorded = "";

    /// <summary>
    /// How much of <see cref="_text"/> the row already holds, so a write appends only what came since (rewriting a long
    /// answer whole every second made the CLI's memory grow with the answer); -1 when the row's answer is not a prefix of
    /// it (an attach, a restarted stream) and the next write replaces it.
    /// </summary>
    private int _written;

    private ExchangeRecorder(ConversationLog log, Exchange row, TimeProvider time)
    {
        _log = log;
        _row = row;
        (_lastEventId, _firstTokenMs) = (row.LastEventId, row.FirstTokenMs);
        _time = time;
        _started = time.GetTimestamp();
        _flusher = Task.Run(FlushLoopAsync);
    }

    public long ExchangeId => _row.Id;

    /// <summary>Starts recording <paramref name="exchange"/>; null when there is no log or it cannot be written.</summary>
    public static ExchangeRecorder? Begin(ConversationLog? log, Exchange exchange, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(time);
        return log?.Begin(exchange) is { } id ? new ExchangeRecorder(log, exchange with { Id = id }, time) : null;
    }

    /// <summary>Goes on recording an exchange already in the log (an attach): its answer is rebuilt from what is replayed.</summary>
    public static ExchangeRecorder Resume(ConversationLog log, Exchange exchange, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return new(log, exchange with { Status = Exchange.Streaming }, time) { _recorded = exchange.Answer, _written = -1 };
    }

    /// <summary>Passes the events through; each is recorded once the consumer has shown it (asks for the next one).</summary>
    public async IAsyncEnumerable<StreamEvent> Observe(IAsyncEnumerable<StreamEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        await foreach (var e in events)
        {
            yield return e;
            Shown(e);
        }
    }

    /// <summary>Records how the answer ended. Stopped by a signal, it stays <c>streaming</c>: the edge still has it.</summary>
    public async Task EndAsync(AnswerOutcome outcome, bool leftRunning)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await StopAsync();
        var status = leftRunning ? Exchange.Streaming
            : outcome.Interrupted ? Exchange.Interrupted
            : outcome.Error is { } error ? Exchange.ErrorStatus(error.WireName)
            : Exchange.Complete;
        lock (_gate)
        {
            _row = _row with { Status = status, Model = outcome.Model ?? _row.Model };
            if (_text.Length == 0 && outcome.Text.Length > 0 && _recorded.Length == 0)
            {
                _text.Append(outcome.Text); // a whole (not streamed) answer
            }

            if (outcome.Usage is { } usage)
            {
                _row = WithUsage(_row, usage);
            }
        }

        Write();
        if (!leftRunning)
        {
            _log.ClearShown(_row.Id); // the row holds the answer's final state, resume point included
        }

        _log.ReportDeferredWarning(); // here, on the main flow, not from the background writes
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _changed.Dispose();
    }

    private static Exchange WithUsage(Exchange row, Usage usage) =>
        row with { PromptTokens = usage.PromptTokens, CompletionTokens = usage.CompletionTokens, CostUsd = usage.CostUsd };

    private void Shown(StreamEvent e)
    {
        bool mark;
        lock (_gate)
        {
            switch (e)
            {
                case StartEvent start:
                    _row = _row with { StreamId = start.StreamId, Model = start.Model };
                    break;
                case DeltaEvent delta:
                    _firstTokenMs ??= Math.Round(_time.GetElapsedTime(_started).TotalMilliseconds, 1);
                    _text.Append(delta.Text);
                    break;
                case UsageEvent usage:
                    _row = WithUsage(_row, usage.Usage);
                    break;
                case RestartedEvent:
                    // The answer starts over under a new stream id (set by its start event): what was shown is gone.
                    _text.Clear();
                    _written = -1;
                    _firstTokenMs = null;
                    break;
            }

            var last = e is RestartedEvent ? null : e.EventId ?? _lastEventId;
            mark = last != _lastEventId && !Replayed(last);
            _lastEventId = mark ? last : _lastEventId;
        }

        if (mark)
        {
            _log.MarkShown(_row.Id, _lastEventId);
        }

        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _changed.Release();
        }
    }

    /// <summary>
    /// Whether an attach's replay is still before the point the dead process had shown: the mark stays there, so an attach
    /// stopped during its replay leaves the next <c>--rest</c> where it was.
    /// </summary>
    private bool Replayed(string? eventId) =>
        StreamIds.TryParseEventId(eventId, out var stream, out var seq) && StreamIds.TryParseEventId(_lastEventId, out var markedStream, out var marked)
        && stream == markedStream && seq <= marked;

    /// <summary>Writes the row as it is now: the answer's new text appended, or the whole answer when the row's is stale.</summary>
    private void Write()
    {
        Exchange row;
        bool append;
        lock (_gate)
        {
            string answer;
            if (_text.Length < _recorded.Length)
            {
                // A replay shorter than what was recorded (the stream is gone, or the attach was stopped) keeps the record.
                (answer, append) = ("", true);
            }
            else if (_written >= 0)
            {
                (answer, append) = (_text.ToString(_written, _text.Length - _written), true);
                _written = _text.Length;
            }
            else
            {
                (answer, append) = (_text.ToString(), false);
                _written = _text.Length;
            }

            row = _row with { Answer = answer, LastEventId = _lastEventId, FirstTokenMs = _firstTokenMs };
        }

        // Writes never overlap (the loop, then EndAsync after it stopped), so the appends land in order.
        _log.Update(row, appendAnswer: append);
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (true)
            {
                await _changed.WaitAsync(_stop.Token);
                Volatile.Write(ref _pending, 0);
                Write();
                await Task.Delay(FlushInterval, _time, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The answer ended; EndAsync writes the last state.
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // The log is the answer's servant: whatever becomes of it, the answer goes on.
        }
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _flusher;
    }
}
