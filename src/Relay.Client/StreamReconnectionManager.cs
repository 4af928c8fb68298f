using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Relay.Contracts;
using Relay.Contracts.Sse;

namespace Relay.Client;

/// <summary>
/// Streams one answer and carries it across interruptions. A lost connection (reset, end of input, idle,
/// a 5xx or 429 on resume) waits per <see cref="ReconnectionOptions"/> and resumes with <c>Last-Event-ID</c>,
/// so nothing is lost or repeated. A retryable <c>error</c> event, or a 404 on resume (the edge restarted
/// or the grace period passed), starts the answer over with a new POST and a new stream id, after a
/// <see cref="RestartedEvent"/>. Non-retryable errors end the stream at once. Every wait is announced
/// first with a <see cref="ReconnectingEvent"/>.
/// </summary>
internal sealed class StreamReconnectionManager
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly EdgeClientOptions _options;
    private readonly TimeProvider _time;
    private readonly BackoffPolicy _backoff;

    /// <summary>Creates the manager.</summary>
    /// <param name="http">The HttpClient to send with (used as it is).</param>
    /// <param name="baseAddress">The edge's root, ending in '/'.</param>
    /// <param name="options">Client settings.</param>
    /// <param name="timeProvider">The clock for waits and the idle watchdog.</param>
    /// <param name="random">Uniform [0, 1) for the jitter; injectable for tests.</param>
    public StreamReconnectionManager(HttpClient http, Uri baseAddress, EdgeClientOptions options, TimeProvider? timeProvider = null, Func<double>? random = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _baseAddress = baseAddress;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new BackoffPolicy(options.Reconnection, random ?? Random.Shared.NextDouble);
    }

    /// <summary>Streams the answer to <paramref name="request"/>; the stream id is the request's or a new one.</summary>
    public IAsyncEnumerable<StreamEvent> StreamAsync(ChatRequest request, StreamOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamCoreAsync(request, options ?? StreamOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Follows an existing stream (<c>GET /v1/chat/stream/{id}</c>) from its start, or after <paramref name="lastEventId"/>,
    /// reconnecting as <see cref="StreamAsync"/> does. There is no request to start over with, so a stream the edge no
    /// longer has ends with STREAM_NOT_FOUND instead of a restart; a <paramref name="lastEventId"/> that was the terminal
    /// event (the edge answers 204) yields nothing.
    /// </summary>
    public IAsyncEnumerable<StreamEvent> ResumeAsync(string streamId, string? lastEventId = null, StreamOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        return StreamCoreAsync(null, options ?? StreamOptions.Default, cancellationToken, new Attempt(streamId) { LastEventId = lastEventId, Resuming = true });
    }

    private async IAsyncEnumerable<StreamEvent> StreamCoreAsync(ChatRequest? request, StreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken, Attempt? resumed = null)
    {
        var policy = _options.Reconnection;
        var state = resumed ?? new Attempt(request!.StreamId ?? StreamIds.New());
        var restarts = 0;
        while (true)
        {
            var outcome = new Outcome();
            await foreach (var e in ConnectAsync(request, state, outcome, cancellationToken))
            {
                yield return e;
            }

            switch (outcome.Kind)
            {
                case OutcomeKind.Finished:
                    yield break;

                case OutcomeKind.Fatal:
                    yield return new ErrorEvent(outcome.Error!);
                    yield break;

                case OutcomeKind.StartFailed:
                    if (++state.StartRetries > policy.MaxStartRetries || !outcome.Error!.Retryable || !options.Reconnect)
                    {
                        yield return new ErrorEvent(outcome.Error!);
                        yield break;
                    }

                    break;

                case OutcomeKind.Restart when request is null:
                    yield return new ErrorEvent(outcome.Error!);
                    yield break;

                case OutcomeKind.Restart:
                    if (!options.Reconnect || ++restarts > policy.MaxAttempts || (state.ContentYielded && !options.AllowRestartAfterContent))
                    {
                        yield return new ErrorEvent(outcome.Error!);
                        yield break;
                    }

                    yield return new RestartedEvent();
                    state = new Attempt(StreamIds.New());
                    break;

                default: // connection lost
                    if (!options.Reconnect || state.Failures >= policy.MaxAttempts)
                    {
                        yield return new ErrorEvent(outcome.Error ?? EdgeErrors.Network("The connection to the edge was lost."));
                        yield break;
                    }

                    break;
            }

            // Wait before the next attempt: after a restart or a failed start as after a lost connection.
            state.Failures++;
            var delay = _backoff.Delay(state.Failures, state.ServerRetry, outcome.Error?.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);
            yield return new ReconnectingEvent(state.Failures, policy.MaxAttempts, (long)delay.TotalMilliseconds) { Cause = outcome.Kind == OutcomeKind.StartFailed ? outcome.Error : null };
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    /// <summary>One connection: POST (nothing received yet) or GET with Last-Event-ID; its end goes into <paramref name="outcome"/>.</summary>
    private async IAsyncEnumerable<StreamEvent> ConnectAsync(ChatRequest? request, Attempt state, Outcome outcome, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = state.LastEventId is null && !state.Resuming
            ? new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, "v1/chat/stream")) { Content = Body(request! with { StreamId = state.StreamId }) }
            : new HttpRequestMessage(HttpMethod.Get, new Uri(_baseAddress, $"v1/chat/stream/{Uri.EscapeDataString(state.StreamId)}"));
        if (state.LastEventId is not null)
        {
            message.Headers.TryAddWithoutValidation("Last-Event-ID", state.LastEventId);
        }

        message.Headers.Accept.ParseAdd("text/event-stream");
        if (_options.Token is { } token)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var watchdog = new IdleWatchdog(_time, _options.IdleTimeout, _options.IdleTimeout, cancellationToken);
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, watchdog.Token);
        }
        catch (HttpRequestException ex) when (!state.Connected && ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            // No connection could be made for a new stream, or for a resume (attach) that never reached the edge: nothing
            // was lost, so there is nothing to reconnect to. A couple of quick tries cover an edge that is just starting; a
            // wrong address, or an edge that is gone, fails within about a second.
            outcome.StartFailed(EdgeErrors.Network($"cannot reach the edge at {_baseAddress}: {ex.Message}"));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            outcome.Lost(EdgeErrors.Network($"the connection to the edge at {_baseAddress} failed: {ex.Message}"));
        }

        if (response is null)
        {
            yield break;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = await EdgeErrors.ReadAsync(message, response, cancellationToken);
                if (state.LastEventId is null && !state.Resuming)
                {
                    outcome.StartFailed(error);
                }
                else if (!state.Connected && EdgeErrors.IsTransient(response.StatusCode))
                {
                    // A resume that never got an answer (a proxy whose edge is gone answers 502): tried like a start.
                    outcome.StartFailed(error);
                }
                else if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    outcome.Restart(error);
                }
                else if (EdgeErrors.IsTransient(response.StatusCode))
                {
                    outcome.Lost(error);
                }
                else
                {
                    outcome.Fatal(error);
                }

                yield break;
            }

            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                outcome.Finish(); // resumed from the terminal event: nothing follows
                yield break;
            }

            state.Connected = true;
            var body = new WatchedStream(await response.Content.ReadAsStreamAsync(cancellationToken), watchdog);
            await using (body)
            {
                var frames = SseEventReader.ReadUtf8Async(body, _options.MaxEventBytes, watchdog.Token).GetAsyncEnumerator(watchdog.Token);
                await using (frames)
                {
                    while (true)
                    {
                        StreamEvent? e = null;
                        try
                        {
                            if (!await frames.MoveNextAsync())
                            {
                                outcome.Lost(null);
                                yield break;
                            }

                            var frame = frames.Current;
                            e = StreamEventSerializer.Deserialize(frame.EventType, frame.Data.Span, frame.EventId);
                            state.LastEventId = frame.EventId ?? state.LastEventId;
                            state.ServerRetry = frame.ReconnectionInterval ?? state.ServerRetry;
                        }
                        catch (StreamErrorException ex)
                        {
                            outcome.Fatal(ex.Error);
                        }
                        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                        {
                            outcome.Lost(null);
                        }

                        if (e is null)
                        {
                            yield break;
                        }

                        state.Failures = 0; // a new event: the count starts again
                        if (e is ErrorEvent { Error.Retryable: true } retryable && (state.ContentYielded || !EdgeErrors.RetriedByEdge(retryable.Error.Code)))
                        {
                            outcome.Restart(retryable.Error);
                            yield break;
                        }

                        state.ContentYielded |= e is DeltaEvent or ReasoningEvent or ToolCallEvent;
                        yield return e;
                        if (e.IsTerminal)
                        {
                            outcome.Finish();
                            yield break;
                        }
                    }
                }
            }
        }
    }

    private static ByteArrayContent Body(ChatRequest request) =>
        new(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, RelayJsonContext.Default.ChatRequest))) { Headers = { ContentType = Json } };

    private enum OutcomeKind
    {
        Lost,
        Finished,
        Fatal,
        StartFailed,
        Restart,
    }

    /// <summary>The state of one stream across its connections.</summary>
    private sealed class Attempt(string streamId)
    {
        public string StreamId { get; } = streamId;

        public string? LastEventId { get; set; }

        /// <summary>Following a stream someone else started: always GET, never POST.</summary>
        public bool Resuming { get; init; }

        public TimeSpan? ServerRetry { get; set; }

        public int Failures { get; set; }

        public int StartRetries { get; set; }

        public bool ContentYielded { get; set; }

        /// <summary>Whether any connection of this stream was answered with events: until then nothing can have been lost.</summary>
        public bool Connected { get; set; }
    }

    /// <summary>How a connection ended.</summary>
    private sealed class Outcome
    {
        public OutcomeKind Kind { get; private set; } = OutcomeKind.Lost;

        public StreamError? Error { get; private set; }

        public void Lost(StreamError? error) => (Kind, Error) = (OutcomeKind.Lost, error);

        public void Finish() => Kind = OutcomeKind.Finished;

        public void Fatal(StreamError error) => (Kind, Error) = (OutcomeKind.Fatal, error);

        public void StartFailed(StreamError error) => (Kind, Error) = (OutcomeKind.StartFailed, error);

        public void Restart(StreamError error) => (Kind, Error) = (OutcomeKind.Restart, error);
    }
}
