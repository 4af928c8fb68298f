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
internal sealed class StreamManager(
    ILlmProvider provider, IStreamStore store, IOptions<RelayEdgeOptions> options, TimeProvider time, ILogger<StreamManager> logger, EdgeTelemetry telemetry)
{
    private readonly ConcurrentDictionary<string, StreamSession> _sessions = new(StringComparer.Ordinal);
    private readonly RelayEdgeOptions _options = options.Value;
    private int _active;

    /// <summary>Raised with a stream id when its grace period starts (for tests that drive time).</summary>
    internal event Action<string>? GraceStarted;

    /// <summary>Generations running now.</summary>
    public int ActiveGenerations => Volatile.Read(ref _active);

    /// <summary>Starts a generation, or finds the one a retried POST asks for.</summary>
    /// <returns>The session and whether it was created now; or an error (409, 503).</returns>
    public async Task<(StreamSession? Session, StreamError? Error)> StartOrAttachAsync(ChatRequest request, string owner, CancellationToken cancellationToken)
    {
        var id = request.StreamId ?? StreamIds.New();
        var fingerprint = JsonSerializer.Serialize(request with { StreamId = null }, RelayJsonContext.Default.ChatRequest);
        if (_sessions.TryGetValue(id, out var existing))
        {
            return existing.Owner == owner && existing.Fingerprint == fingerprint
                ? (existing, null)
                : (null, StreamError.Create(StreamErrorCode.StreamConflict));
        }

        if (Interlocked.Increment(ref _active) > _options.MaxStreams)
        {
            Interlocked.Decrement(ref _active);
            return (null, StreamError.Create(StreamErrorCode.Overloaded, $"The edge is running its limit of {_options.MaxStreams} generations.", TimeSpan.FromSeconds(1)));
        }

        var session = new StreamSession(id, owner, fingerprint);
        if (!_sessions.TryAdd(id, session) || !await store.CreateAsync(id, cancellationToken))
        {
            Interlocked.Decrement(ref _active);
            session.Dispose();
            return (null, StreamError.Create(StreamErrorCode.StreamConflict));
        }

        _ = Task.Run(() => GenerateAsync(session, request with { StreamId = id }), CancellationToken.None);
        return (session, null);
    }

    /// <summary>The session a reader or a DELETE names; null when unknown, expired or another token's.</summary>
    public StreamSession? Find(string streamId, string owner) =>
        _sessions.TryGetValue(streamId, out var s) && s.Owner == owner ? s : null;

    /// <summary>Cancels a generation on behalf of a client (DELETE).</summary>
    public void Cancel(StreamSession session)
    {
        telemetry.Cancels.Add(1);
        session.CancelReason ??= StreamErrorCode.Cancelled;
        CancelQuietly(session);
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

    /// <summary>Follows a stream for one reader, keeping the grace period off while it reads.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAsync(StreamSession session, long afterSeq, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        session.Attach();
        if (afterSeq > 0)
        {
            telemetry.Resumes.Add(1);
        }

        try
        {
            await foreach (var e in store.ReadAsync(session.Id, afterSeq, cancellationToken))
            {
                telemetry.BytesOut.Add(e.Data.Length);
                yield return e;
            }
        }
        finally
        {
            session.Detach(() => GraceTimer(session));
        }
    }

    private async Task GenerateAsync(StreamSession session, ChatRequest request)
    {
        var started = false;
        string outcome = "error";
        string? code = null;
        var begun = time.GetTimestamp();
        long? lastContent = null;
        telemetry.ActiveStreams.Add(1);
        using var activity = EdgeTelemetry.Source.StartActivity("relay.stream");
        activity?.SetTag("relay.stream_id", session.Id);
        activity?.SetTag("gen_ai.request.model", request.Model);
        using var deadline = time.CreateTimer(
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
            await foreach (var e in provider.GenerateStreamAsync(request, session.Generation.Token))
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
                    await store.AppendAsync(session.Id, start with { StreamId = session.Id });
                    started = true;
                    session.Started.TrySetResult(null);
                    if (e is StartEvent)
                    {
                        continue;
                    }
                }

                if (e is DeltaEvent or ReasoningEvent or ToolCallEvent)
                {
                    var now = time.GetTimestamp();
                    if (lastContent is { } previous)
                    {
                        telemetry.InterChunk.Record(time.GetElapsedTime(previous, now).TotalMilliseconds);
                    }
                    else
                    {
                        telemetry.FirstToken.Record(time.GetElapsedTime(begun, now).TotalMilliseconds);
                    }

                    lastContent = now;
                }

                await store.AppendAsync(session.Id, e);
                if (e.IsTerminal)
                {
                    (outcome, code) = e is ErrorEvent failed ? ("error", failed.Error.WireName) : ("done", null);
                    return;
                }
            }

            // The provider ends silently when cancelled: say why to every reader.
            await EndAsync(session, started, session.CancelReason switch
            {
                StreamErrorCode.UpstreamTimeout => StreamError.Create(StreamErrorCode.UpstreamTimeout, "The answer ran past the edge's maximum generation time."),
                StreamErrorCode.StreamInterrupted => StreamError.Create(StreamErrorCode.StreamInterrupted, "The edge is shutting down; reconnect to another instance."),
                var reason => StreamError.Create(reason ?? StreamErrorCode.Cancelled),
            });
        }
        catch (StreamErrorException ex) when (ex.Error.Code == StreamErrorCode.StreamTooLarge)
        {
            CancelQuietly(session);
            await EndAsync(session, started, ex.Error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            EdgeLog.GenerationFailed(logger, session.Id, ex);
            await EndAsync(session, started, StreamError.Create(StreamErrorCode.InternalError));
        }
        finally
        {
            code ??= session.CancelReason is { } reason ? ErrorCatalog.Get(reason).WireName : outcome == "done" ? null : "INTERNAL_ERROR";
            telemetry.ActiveStreams.Add(-1);
            telemetry.Streams.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("code", code ?? "none"));
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
            await store.AppendAsync(session.Id, new ErrorEvent(error));
        }
        catch (StreamErrorException ex) when (ex.Error.Code == StreamErrorCode.StreamNotFound)
        {
            // Freed after its grace period: nobody is left to tell.
        }
    }

    /// <summary>No reader came back (or a finished stream's time is up): stop the upstream and free everything.</summary>
    private ITimer GraceTimer(StreamSession session)
    {
        var timer = time.CreateTimer(
        _ =>
        {
            if (session.HasReaders)
            {
                return;
            }

            if (!session.Finished)
            {
                EdgeLog.Abandoned(logger, session.Id);
                session.CancelReason ??= StreamErrorCode.Cancelled;
                CancelQuietly(session);
            }

            Forget(session);
        },
        null,
        _options.ResumeGrace,
        Timeout.InfiniteTimeSpan);
        GraceStarted?.Invoke(session.Id);
        return timer;
    }

    private void Forget(StreamSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, StreamSession>(session.Id, session)))
        {
            _ = store.RemoveAsync(session.Id).AsTask();
            if (session.Finished)
            {
                session.Dispose();
            }
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
