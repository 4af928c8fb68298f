using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>
/// Admission of streams and everything that finds one by id: starts a generation (<see cref="StreamGenerator"/>) or
/// attaches a retried POST to the running one, lets readers follow through the store, routes cancels to the instance
/// that produces the stream, and frees a stream when its <see cref="StreamLifetime"/> says nobody can reach it.
/// </summary>
internal sealed class StreamManager
{
    private readonly ConcurrentDictionary<string, StreamSession> _sessions = new(StringComparer.Ordinal);
    private readonly StreamGenerator _generator;
    private readonly IStreamStore _store;
    private readonly RelayEdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StreamManager> _logger;
    private readonly EdgeTelemetry _telemetry;
    private int _active;

    public StreamManager(StreamGenerator generator, IStreamStore store, IOptions<RelayEdgeOptions> options, TimeProvider time, ILogger<StreamManager> logger, EdgeTelemetry telemetry)
    {
        (_generator, _store, _options, _time, _logger, _telemetry) = (generator, store, options.Value, time, logger, telemetry);

        // A DELETE that reached another instance arrives here through the store.
        _store.CancelRequested += OnCancelRequested;
        telemetry.Meter.CreateObservableGauge("relay.streams.held", () => new[]
        {
            new System.Diagnostics.Metrics.Measurement<long>(ActiveGenerations, new KeyValuePair<string, object?>("state", "generating")),
            new System.Diagnostics.Metrics.Measurement<long>(Math.Max(0, HeldStreams - ActiveGenerations), new KeyValuePair<string, object?>("state", "grace")),
        }, description: "Streams this instance holds: generating, or finished and in their grace period");
        telemetry.Meter.CreateObservableGauge("relay.buffered", () => _store.HeldBytes, "By", "Bytes of events held in memory for all streams");
    }

    /// <summary>Raised with a stream id each time its grace period starts (for tests that drive time).</summary>
    internal event Action<string>? GraceStarted;

    /// <summary>Raised with each new session (for tests that prove none stays reachable).</summary>
    internal event Action<object>? SessionCreated;

    /// <summary>Raised with a stream id once the stream is freed, in the store too (for tests).</summary>
    internal event Action<string>? Freed;

    /// <summary>Generations running now.</summary>
    public int ActiveGenerations => Volatile.Read(ref _active);

    /// <summary>Streams this instance produced and still holds (running, or finished within their grace period).</summary>
    public int HeldStreams => _sessions.Count;

    /// <summary>Starts a generation, or finds the one a retried POST asks for (on this instance or another).</summary>
    /// <returns>The stream and when its first event is held; or an error (409, 503).</returns>
    public async Task<(StreamStart? Start, StreamError? Error)> StartOrAttachAsync(ChatRequest request, string owner, CancellationToken cancellationToken)
    {
        var id = request.StreamId ?? StreamIds.New();
        var fingerprint = Fingerprint(request);
        if (_sessions.TryGetValue(id, out var existing))
        {
            return existing.Owner == owner && existing.Fingerprint == fingerprint
                ? (new StreamStart(id, existing.Started.Task), null)
                : (null, StreamError.Create(StreamErrorCode.StreamConflict));
        }

        if (Interlocked.Increment(ref _active) > _options.MaxStreams)
        {
            Interlocked.Decrement(ref _active);
            return (null, StreamError.Create(StreamErrorCode.Overloaded, $"The edge is running its limit of {_options.MaxStreams} generations.", TimeSpan.FromSeconds(1)));
        }

        if (!MakeRoom())
        {
            Interlocked.Decrement(ref _active);
            return (null, StreamError.Create(StreamErrorCode.Overloaded, $"The edge holds its limit of {_options.MaxBufferedBytes} bytes of streams.", TimeSpan.FromSeconds(1)));
        }

        // The grace period runs whenever nobody is attached, from now on, even before the first event: a client that
        // leaves while the upstream is still thinking does not leave it generating.
        var session = new StreamSession(id, owner, fingerprint);
        session.Lifetime = new StreamLifetime(_time, _options.ResumeGrace, () => _ = ExpireAsync(session), () => GraceStarted?.Invoke(id));
        if (!_sessions.TryAdd(id, session))
        {
            Interlocked.Decrement(ref _active);
            session.Dispose();

            // A duplicate POST raced this one: attach to the session that won, or, if that one has already given way
            // to another instance's generation (and gone), look again; the store then says where the stream is.
            return await StartOrAttachAsync(request with { StreamId = id }, owner, cancellationToken);
        }

        bool created;
        try
        {
            created = await _store.CreateAsync(id, new StreamInfo(owner, fingerprint, _options.InstanceId), cancellationToken);
        }
        catch (StreamErrorException ex)
        {
            Abandon(session, ex.Error);
            return (null, ex.Error);
        }
        catch
        {
            Abandon(session, StreamError.Create(StreamErrorCode.InternalError));
            throw;
        }

        if (!created)
        {
            // Another instance produces it: a retried POST that landed here follows it there, and so does any POST that
            // attached to this session meanwhile (it is told through the session's first-event signal).
            StreamError? error;
            try
            {
                error = await _store.GetInfoAsync(id, cancellationToken) is { } info && info.Owner == owner && info.Fingerprint == fingerprint
                    ? null
                    : StreamError.Create(StreamErrorCode.StreamConflict);
            }
            catch (StreamErrorException ex)
            {
                error = ex.Error;
            }

            Abandon(session, error);
            return error is null ? (new StreamStart(id, Task.FromResult<StreamError?>(null)), null) : (null, error);
        }

        SessionCreated?.Invoke(session);
        // Not Task.Run: the generation runs on this thread until the upstream request is on the wire (its first await),
        // which saves a thread-pool hop on the way to the first token; from there it is a task of its own, not awaited.
        _ = GenerateAsync(session, request with { StreamId = id });
        return (new StreamStart(id, session.Started.Task), null);
    }

    /// <summary>
    /// Keeps a stream produced here attached while a request waits for its first event, so the grace period does not
    /// run under a client that is still there; dispose when the wait ends.
    /// </summary>
    public IDisposable Hold(string streamId)
    {
        if (!_sessions.TryGetValue(streamId, out var session))
        {
            return NoHold.Instance;
        }

        session.Lifetime.Attach();
        return new Held(session.Lifetime);
    }

    /// <summary>
    /// Waits for the first event of a stream (null) or the error that came before it, holding the stream meanwhile.
    /// </summary>
    /// <exception cref="OperationCanceledException">The client left first; the stream's grace period then runs.</exception>
    public async Task<StreamError?> WaitStartedAsync(StreamStart start, CancellationToken requestAborted)
    {
        using (Hold(start.Id))
        {
            return await start.Started.WaitAsync(requestAborted);
        }
    }

    /// <summary>
    /// Calls <paramref name="onRetry"/> each time the generation of a stream produced here starts waiting to try the
    /// upstream again, and at once if it waits now, until disposed; nothing for a stream produced elsewhere.
    /// </summary>
    public IDisposable WatchRetries(string streamId, Action onRetry) =>
        _sessions.TryGetValue(streamId, out var session) ? session.WatchRetries(onRetry) : NoHold.Instance;

    /// <summary>Whether <paramref name="owner"/> may read or cancel the stream: it exists (here or in the shared store) and is theirs.</summary>
    public async ValueTask<bool> IsVisibleAsync(string streamId, string owner, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(streamId, out var s))
        {
            // An expired stream is gone for readers at once, while its generation winds down.
            return s.Owner == owner && !s.Expired;
        }

        return await _store.GetInfoAsync(streamId, cancellationToken) is { } info && info.Owner == owner;
    }

    /// <summary>Cancels a generation on behalf of a client (DELETE): here when this instance owns it, else through the store.</summary>
    public async ValueTask CancelAsync(string streamId, CancellationToken cancellationToken = default)
    {
        _telemetry.Cancels.Add(1);
        if (_sessions.TryGetValue(streamId, out var session))
        {
            session.Cancel(StreamErrorCode.Cancelled);
            return;
        }

        await _store.RequestCancelAsync(streamId, cancellationToken);
    }

    /// <summary>Ends every running generation with <paramref name="reason"/> (the edge is shutting down).</summary>
    public void InterruptAll(StreamErrorCode reason)
    {
        foreach (var session in _sessions.Values.Where(s => !s.Finished))
        {
            session.Cancel(reason);
        }
    }

    /// <summary>Follows a stream for one reader; while a reader of a stream produced here reads, its grace period is off.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var hold = Hold(streamId);
        if (afterSeq > 0)
        {
            _telemetry.Resumes.Add(1);
        }

        await foreach (var e in _store.ReadAsync(streamId, afterSeq, cancellationToken))
        {
            _telemetry.BytesOut.Add(e.Data.Length);
            yield return e;
        }
    }

    /// <summary>
    /// Keeps the bytes of all streams under <see cref="RelayEdgeOptions.MaxBufferedBytes"/> for a new stream: finished
    /// streams waiting out their grace period are dropped, oldest first; false when that is not enough (running streams
    /// are never touched).
    /// </summary>
    private bool MakeRoom()
    {
        if (_store.HeldBytes < _options.MaxBufferedBytes)
        {
            return true;
        }

        foreach (var finished in _sessions.Values.Where(s => s.Finished).OrderBy(s => s.FinishedAt).ToList())
        {
            EdgeLog.Evicted(_logger, finished.Id);
            Forget(finished);
            if (_store.HeldBytes < _options.MaxBufferedBytes)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The idempotency fingerprint: a hash of the request without its stream id (never the request itself).</summary>
    private static string Fingerprint(ChatRequest request) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request with { StreamId = null }, RelayJsonContext.Default.ChatRequest)));

    private void OnCancelRequested(string streamId)
    {
        if (_sessions.TryGetValue(streamId, out var session))
        {
            session.Cancel(StreamErrorCode.Cancelled);
        }
    }

    /// <summary>
    /// Drops a session that never generated. POSTs that attached to it meanwhile learn the outcome from its first-event
    /// signal: null when the stream exists in the shared store (they follow it there), else the error.
    /// </summary>
    private void Abandon(StreamSession session, StreamError? outcome)
    {
        session.Started.TrySetResult(outcome);
        _sessions.TryRemove(new KeyValuePair<string, StreamSession>(session.Id, session));
        Interlocked.Decrement(ref _active);
        session.Dispose();
    }

    private async Task GenerateAsync(StreamSession session, ChatRequest request)
    {
        try
        {
            await _generator.RunAsync(session, request);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            session.MarkFinished(_time.GetTimestamp());
            if (!session.Expired && session.Started.Task.Result is null && _sessions.TryGetValue(session.Id, out var current) && ReferenceEquals(current, session))
            {
                // A finished stream stays resumable for the grace period after its last reader left.
                session.Lifetime.Finished();
            }
            else
            {
                Forget(session);
            }
        }
    }

    /// <summary>Nobody came back within the grace period: stop the upstream if it still runs, and free everything.</summary>
    private async Task ExpireAsync(StreamSession session)
    {
        try
        {
            // A reader that resumed on another instance keeps the stream alive just as a local one does.
            if (await _store.IsReadElsewhereAsync(session.Id))
            {
                session.Lifetime.Extend();
                return;
            }
        }
        catch (StreamErrorException)
        {
            // The store is gone: nobody can be reading through it.
        }

        if (!session.Finished && !session.Expired)
        {
            EdgeLog.Abandoned(_logger, session.Id);
            session.Expired = true;
            session.Cancel(StreamErrorCode.Cancelled);

            // The generation ends with its terminal event and frees the stream itself (GenerateAsync).
            return;
        }

        Forget(session);
    }

    private void Forget(StreamSession session)
    {
        if (!session.TryForget())
        {
            return;
        }

        var removed = _sessions.TryRemove(new KeyValuePair<string, StreamSession>(session.Id, session));
        session.Dispose();
        if (removed)
        {
            _ = RemoveAsync(session.Id);
        }
        else
        {
            Freed?.Invoke(session.Id);
        }
    }

    private async Task RemoveAsync(string streamId)
    {
        try
        {
            await _store.RemoveAsync(streamId);
        }
        catch (StreamErrorException)
        {
            // The store is gone; a shared store expires the stream by itself.
        }
        finally
        {
            Freed?.Invoke(streamId);
        }
    }

    private sealed class Held(StreamLifetime lifetime) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                lifetime.Detach();
            }
        }
    }

    private sealed class NoHold : IDisposable
    {
        public static readonly NoHold Instance = new();

        public void Dispose()
        {
        }
    }
}
