using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Providers;

namespace Relay.Edge.Streams;

/// <summary>
/// Runs generations: one writer task per stream pulls from the provider (not tied to any request, so a
/// client that drops does not stop it), numbers the events and appends them to the store. Readers follow
/// through the store; the grace period decides when an abandoned or finished stream is freed.
/// </summary>
internal sealed class StreamManager
{
    private readonly ConcurrentDictionary<string, StreamSession> _sessions = new(StringComparer.Ordinal);
    private readonly ILlmProvider _provider;
    private readonly IStreamStore _store;
    private readonly RelayEdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StreamManager> _logger;
    private readonly EdgeTelemetry _telemetry;
    private int _active;

    public StreamManager(ILlmProvider provider, IStreamStore store, IOptions<RelayEdgeOptions> options, TimeProvider time, ILogger<StreamManager> logger, EdgeTelemetry telemetry)
    {
        (_provider, _store, _options, _time, _logger, _telemetry) = (provider, store, options.Value, time, logger, telemetry);

        // A DELETE that reached another instance arrives here through the store.
        _store.CancelRequested += OnCancelRequested;
    }

    /// <summary>Raised with a stream id when its grace period starts (for tests that drive time).</summary>
    internal event Action<string>? GraceStarted;

    /// <summary>Generations running now.</summary>
    public int ActiveGenerations => Volatile.Read(ref _active);

    /// <summary>Starts a generation, or finds the one a retried POST asks for (on this instance or another).</summary>
    /// <returns>The stream and when its first event is held; or an error (409, 503).</returns>
    public async Task<(StreamStart? Start, StreamError? Error)> StartOrAttachAsync(ChatRequest request, string owner, CancellationToken cancellationToken)
    {
        var id = request.StreamId ?? StreamIds.New();
        var fingerprint = JsonSerializer.Serialize(request with { StreamId = null }, RelayJsonContext.Default.ChatRequest);
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

        var session = new StreamSession(id, owner, fingerprint);
        if (!_sessions.TryAdd(id, session))
        {
            Abandon(session);
            return (null, StreamError.Create(StreamErrorCode.StreamConflict));
        }

        bool created;
        try
        {
            created = await _store.CreateAsync(id, new StreamInfo(owner, fingerprint, _options.InstanceId), cancellationToken);
        }
        catch (StreamErrorException ex)
        {
            Abandon(session);
            return (null, ex.Error);
        }

        if (!created)
        {
            Abandon(session);

            // Another instance produces it: a retried POST that landed here follows it there.
            return await _store.GetInfoAsync(id, cancellationToken) is { } info && info.Owner == owner && info.Fingerprint == fingerprint
                ? (new StreamStart(id, Task.FromResult<StreamError?>(null)), null)
                : (null, StreamError.Create(StreamErrorCode.StreamConflict));
        }

        _ = Task.Run(() => GenerateAsync(session, request with { StreamId = id }), CancellationToken.None);
        return (new StreamStart(id, session.Started.Task), null);
    }

    /// <summary>Whether <paramref name="owner"/> may read or cancel the stream: it exists (here or in the shared store) and is theirs.</summary>
    public async ValueTask<bool> IsVisibleAsync(string streamId, string owner, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(streamId, out var s))
        {
            return s.Owner == owner;
        }

        return await _store.GetInfoAsync(streamId, cancellationToken) is { } info && info.Owner == owner;
    }

    /// <summary>Cancels a generation on behalf of a client (DELETE): here when this instance owns it, else through the store.</summary>
    public async ValueTask CancelAsync(string streamId, CancellationToken cancellationToken = default)
    {
        if (_sessions.TryGetValue(streamId, out var session))
        {
            Cancel(session);
            return;
        }

        _telemetry.Cancels.Add(1);
        await _store.RequestCancelAsync(streamId, cancellationToken);
    }

    /// <summary>Ends every running generation with <paramref name="reason"/> (the edge is shutting down).</summary>
    public void InterruptAll(StreamErrorCode reason)
    {
        foreach (var session in _sessions.Values.Where(s => !s.Finished))
        {
            session.CancelReason ??= reason;
            CancelQuietly(session);
        }
    }

    /// <summary>Follows a stream for one reader; while a reader of a stream produced here reads, its grace period is off.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _sessions.TryGetValue(streamId, out var session);
        session?.Attach();
        if (afterSeq > 0)
        {
            _telemetry.Resumes.Add(1);
        }

        try
        {
            await foreach (var e in _store.ReadAsync(streamId, afterSeq, cancellationToken))
            {
                _telemetry.BytesOut.Add(e.Data.Length);
                yield return e;
            }
        }
        finally
        {
            session?.Detach(() => GraceTimer(session));
        }
    }

    private void Cancel(StreamSession session)
    {
        _telemetry.Cancels.Add(1);
        session.CancelReason ??= StreamErrorCode.Cancelled;
        CancelQuietly(session);
    }

    private void OnCancelRequested(string streamId)
    {
        if (_sessions.TryGetValue(streamId, out var session))
        {
            session.CancelReason ??= StreamErrorCode.Cancelled;
            CancelQuietly(session);
        }
    }

    private void Abandon(StreamSession session)
    {
        _sessions.TryRemove(new KeyValuePair<string, StreamSession>(session.Id, session));
        Interlocked.Decrement(ref _active);
        session.Dispose();
    }

    private async Task GenerateAsync(StreamSession session, ChatRequest request)
    {
        var started = false;
        string outcome = "error";
        string? code = null;
        var begun = _time.GetTimestamp();
        long? lastContent = null;
        _telemetry.ActiveStreams.Add(1);
        using var activity = EdgeTelemetry.Source.StartActivity("relay.stream");
        activity?.SetTag("relay.stream_id", session.Id);
        activity?.SetTag("gen_ai.request.model", request.Model);
        using var deadline = _time.CreateTimer(
            _ =>
            {
                session.CancelReason ??= StreamErrorCode.UpstreamTimeout;
                CancelQuietly(session);
            },
            null,
            _options.MaxGenerationTime,
            Timeout.InfiniteTimeSpan);
        try
        {
            await foreach (var e in _provider.GenerateStreamAsync(request, session.Generation.Token))
            {
                if (!started)
                {
                    if (e is ErrorEvent before)
                    {
                        session.Started.TrySetResult(before.Error);
                        code = before.Error.WireName;
                        return;
                    }

                    var start = e as StartEvent ?? new StartEvent(session.Id, request.Model!, null);
                    await _store.AppendAsync(session.Id, start with { StreamId = session.Id });
                    started = true;
                    session.Started.TrySetResult(null);
                    if (e is StartEvent)
                    {
                        continue;
                    }
                }

                if (e is DeltaEvent or ReasoningEvent or ToolCallEvent)
                {
                    var now = _time.GetTimestamp();
                    if (lastContent is { } previous)
                    {
                        _telemetry.InterChunk.Record(_time.GetElapsedTime(previous, now).TotalMilliseconds);
                    }
                    else
                    {
                        _telemetry.FirstToken.Record(_time.GetElapsedTime(begun, now).TotalMilliseconds);
                    }

                    lastContent = now;
                }

                await _store.AppendAsync(session.Id, e);
                if (e.IsTerminal)
                {
                    (outcome, code) = e is ErrorEvent failed ? ("error", failed.Error.WireName) : ("done", null);
                    return;
                }
            }

            // The provider ends silently when cancelled: say why to every reader.
            await EndAsync(session, started, session.CancelReason switch
            {
                StreamErrorCode.UpstreamTimeout => StreamError.Create(StreamErrorCode.UpstreamTimeout, "The answer ran past the edge's maximum generation _time."),
                StreamErrorCode.StreamInterrupted => StreamError.Create(StreamErrorCode.StreamInterrupted, "The edge is shutting down; reconnect to another instance."),
                var reason => StreamError.Create(reason ?? StreamErrorCode.Cancelled),
            });
        }
        catch (StreamErrorException ex) when (ex.Error.Code is StreamErrorCode.StreamTooLarge or StreamErrorCode.StoreUnavailable or StreamErrorCode.StreamLost)
        {
            CancelQuietly(session);
            await EndAsync(session, started, ex.Error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            EdgeLog.GenerationFailed(_logger, session.Id, ex);
            await EndAsync(session, started, StreamError.Create(StreamErrorCode.InternalError));
        }
        finally
        {
            code ??= session.CancelReason is { } reason ? ErrorCatalog.Get(reason).WireName : outcome == "done" ? null : "INTERNAL_ERROR";
            _telemetry.ActiveStreams.Add(-1);
            _telemetry.Streams.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("code", code ?? "none"));
            activity?.SetTag("relay.outcome", code ?? outcome);
            Interlocked.Decrement(ref _active);
            session.Finished = true;
            session.Started.TrySetResult(StreamError.Create(StreamErrorCode.InternalError));
            if (started && _sessions.TryGetValue(session.Id, out var current) && ReferenceEquals(current, session))
            {
                session.StartGrace(() => GraceTimer(session));
            }
            else
            {
                Forget(session);
                session.Dispose();
            }
        }
    }

    private async Task EndAsync(StreamSession session, bool started, StreamError error)
    {
        if (!started)
        {
            session.Started.TrySetResult(error);
            return;
        }

        try
        {
            await _store.AppendAsync(session.Id, new ErrorEvent(error));
        }
        catch (StreamErrorException)
        {
            // Freed after its grace period, or the store is gone: nobody can be told; readers elsewhere see STREAM_LOST.
        }
    }

    /// <summary>No reader came back (or a finished stream's time is up): stop the upstream and free everything.</summary>
    private ITimer GraceTimer(StreamSession session)
    {
        var timer = _time.CreateTimer(_ => _ = ExpireAsync(session), null, _options.ResumeGrace, Timeout.InfiniteTimeSpan);
        GraceStarted?.Invoke(session.Id);
        return timer;
    }

    private async Task ExpireAsync(StreamSession session)
    {
        if (session.HasReaders)
        {
            return;
        }

        try
        {
            // A reader that resumed on another instance keeps the stream alive just as a local one does.
            if (await _store.IsReadElsewhereAsync(session.Id))
            {
                session.StartGrace(() => GraceTimer(session));
                return;
            }
        }
        catch (StreamErrorException)
        {
            // The store is gone: nobody can be reading through it.
        }

        if (!session.Finished)
        {
            EdgeLog.Abandoned(_logger, session.Id);
            session.CancelReason ??= StreamErrorCode.Cancelled;
            CancelQuietly(session);
        }

        Forget(session);
    }

    private void Forget(StreamSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, StreamSession>(session.Id, session)))
        {
            _ = RemoveAsync(session.Id);
            if (session.Finished)
            {
                session.Dispose();
            }
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
    }

    private static void CancelQuietly(StreamSession session)
    {
        try
        {
            session.Generation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
    }
}
