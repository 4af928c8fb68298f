using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Contracts.Sse;

namespace Relay.Providers;

/// <summary>
/// <see cref="ILlmProvider"/> over OpenRouter's chat completions API (or any OpenAI-compatible one): streams
/// through the shared SSE reader with first-byte and idle watchdogs, maps every chunk and error shape onto
/// stream events, and aborts the upstream request as soon as the caller cancels.
/// </summary>
public sealed class OpenRouterProvider : ILlmProvider
{
    private const int MaxErrorBodyChars = 64 * 1024;
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly OpenRouterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SecretRedactor _redactor;

    /// <summary>Creates the provider (normally through <see cref="OpenRouterServiceCollectionExtensions.AddOpenRouterProvider"/>).</summary>
    public OpenRouterProvider(HttpClient httpClient, IOptions<OpenRouterOptions> options, TimeProvider? timeProvider = null, ILogger<OpenRouterProvider>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<OpenRouterProvider>.Instance;
        _redactor = new SecretRedactor(_options.ApiKey);
    }

    /// <inheritdoc />
    public async Task<ChatResult> GenerateAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        using var watchdog = new IdleWatchdog(_time, _options.FirstByteTimeout, _options.IdleTimeout, cancellationToken);
        try
        {
            using var response = await _http.SendAsync(CreateRequest(request, stream: false), HttpCompletionOption.ResponseHeadersRead, watchdog.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new StreamErrorException(await ReadErrorAsync(response, watchdog.Token));
            }

            await using var body = new WatchedStream(await response.Content.ReadAsStreamAsync(watchdog.Token), watchdog);
            using var reader = new StreamReader(body);
            return ChatResultReader.Read(await reader.ReadToEndAsync(watchdog.Token), request.Model!, _redactor);
        }
        catch (OperationCanceledException ex) when (watchdog.Fired && !cancellationToken.IsCancellationRequested)
        {
            throw Logged(request, new StreamErrorException(StreamErrorCode.UpstreamTimeout, "The upstream did not answer within the timeout.", ex));
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Logged(request, new StreamErrorException(StreamErrorCode.UpstreamUnavailable, _redactor.Clean("The upstream could not be reached: " + ex.Message), ex));
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Logged(request, new StreamErrorException(StreamErrorCode.StreamInterrupted, "The upstream connection broke before the answer was complete.", ex));
        }
        catch (StreamErrorException ex)
        {
            throw Logged(request, ex);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<StreamEvent> GenerateStreamAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        return StreamCoreAsync(request, cancellationToken);
    }

    private async IAsyncEnumerable<StreamEvent> StreamCoreAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        long? firstToken = null;
        using var watchdog = new IdleWatchdog(_time, _options.FirstByteTimeout, _options.IdleTimeout, cancellationToken);
        var mapper = new OpenRouterChunkMapper(request.Model!, _redactor);
        var batch = new List<StreamEvent>(4);
        var (response, failure) = await SendStreamRequestAsync(request, watchdog, cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            yield break;
        }

        if (failure is not null || response is null)
        {
            LogFailure(request, failure!);
            yield return new ErrorEvent(failure!);
            yield break;
        }

        var headersAt = _time.GetTimestamp();
        using (response)
        {
            var body = new WatchedStream(await response.Content.ReadAsStreamAsync(CancellationToken.None), watchdog);
            await using (body)
            {
                var frames = SseEventReader.ReadUtf8Async(body, _options.MaxEventBytes, watchdog.Token).GetAsyncEnumerator(watchdog.Token);
                await using (frames)
                {
                    while (!mapper.Finished)
                    {
                        var step = await FrameStep.NextAsync(frames, watchdog, cancellationToken);
                        if (step.Kind == FrameStepKind.Cancelled)
                        {
                            yield break; // the token aborted the request; nothing more is said
                        }

                        switch (step.Kind)
                        {
                            case FrameStepKind.Frame:
                                ProviderLog.Chunk(_logger, frames.Current.Data.Span);
                                mapper.OnData(frames.Current.Data, batch);
                                break;
                            case FrameStepKind.End: mapper.OnEnd(batch); break;
                            case FrameStepKind.IdleTimeout: mapper.OnIdleTimeout(batch); break;
                            default: mapper.Fail(batch, step.Error!); break;
                        }

                        foreach (var e in batch)
                        {
                            if (firstToken is null && e is DeltaEvent or ReasoningEvent or ToolCallEvent)
                            {
                                firstToken = _time.GetTimestamp();
                            }

                            if (e is ErrorEvent error)
                            {
                                LogFailure(request, error.Error);
                            }

                            yield return e;
                        }

                        batch.Clear();
                    }
                }
            }

            if (_logger.IsEnabled(LogLevel.Debug))
            {
                var firstByteMs = _time.GetElapsedTime(started, headersAt).TotalMilliseconds;
                var firstTokenMs = firstToken is { } t ? _time.GetElapsedTime(started, t).TotalMilliseconds : -1;
                var durationMs = _time.GetElapsedTime(started).TotalMilliseconds;
                ProviderLog.StreamSummary(_logger, mapper.Model, (int)response.StatusCode, firstByteMs, firstTokenMs, mapper.ContentEvents, body.BytesRead, durationMs, mapper.Outcome);
            }
        }
    }

    private async Task<(HttpResponseMessage? Response, StreamError? Failure)> SendStreamRequestAsync(ChatRequest request, IdleWatchdog watchdog, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(CreateRequest(request, stream: true), HttpCompletionOption.ResponseHeadersRead, watchdog.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (null, await ReadErrorAsync(response, watchdog.Token));
            }

            // A 200 that is JSON, not SSE, is an error body (or a server that ignored stream: true).
            if (response.Content.Headers.ContentType?.MediaType == JsonContentType.MediaType)
            {
                var body = await ReadBoundedAsync(response, watchdog.Token);
                return (null, UpstreamErrors.FromSuccessBody(body, _redactor)
                    ?? StreamError.Create(StreamErrorCode.MalformedEvent, "The upstream answered a stream request with JSON instead of an event stream."));
            }

            var ok = response;
            response = null;
            return (ok, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, null);
        }
        catch (OperationCanceledException) when (watchdog.Fired)
        {
            return (null, StreamError.Create(StreamErrorCode.UpstreamTimeout, "The upstream did not answer within the first-byte timeout."));
        }
        catch (HttpRequestException ex)
        {
            return (null, StreamError.Create(StreamErrorCode.UpstreamUnavailable, _redactor.Clean("The upstream could not be reached: " + ex.Message)));
        }
        finally
        {
            response?.Dispose();
        }
    }

    private HttpRequestMessage CreateRequest(ChatRequest request, bool stream)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, _options.ChatCompletionsUri)
        {
            Content = new ByteArrayContent(OpenRouterRequestWriter.Write(request, stream)) { Headers = { ContentType = JsonContentType } },
        };
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        }

        if (!string.IsNullOrEmpty(_options.HttpReferer))
        {
            message.Headers.TryAddWithoutValidation("HTTP-Referer", _options.HttpReferer);
        }

        if (!string.IsNullOrEmpty(_options.AppTitle))
        {
            message.Headers.TryAddWithoutValidation("X-Title", _options.AppTitle);
        }

        message.Headers.Accept.ParseAdd(stream ? "text/event-stream" : "application/json");
        return message;
    }

    private async Task<StreamError> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        UpstreamErrors.FromResponse((int)response.StatusCode, await ReadBoundedAsync(response, cancellationToken), response.Headers.RetryAfter, _time.GetUtcNow(), _redactor);

    private static async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var buffer = new char[MaxErrorBodyChars];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        return new string(buffer, 0, read);
    }

    private static void Validate(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Model))
        {
            throw new ArgumentException("The request needs a model.", nameof(request));
        }

        if (request.Messages is not { Count: > 0 })
        {
            throw new ArgumentException("The request needs at least one message.", nameof(request));
        }
    }

    private StreamErrorException Logged(ChatRequest request, StreamErrorException ex)
    {
        ProviderLog.RequestFailed(_logger, request.Model!, ex.Error.WireName, ex.Error.Message);
        return ex;
    }

    private void LogFailure(ChatRequest request, StreamError error) =>
        ProviderLog.StreamFailed(_logger, request.Model!, error.WireName, error.Message);
}
