namespace Relay.Edge;

/// <summary>The edge's log events. Prompts and answers are never logged; neither are keys or tokens.</summary>
internal static partial class EdgeLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "No OPENROUTER_API_KEY or OPENROUTER_BASE_URL is set: answers come from the built-in simulator, not a real model. Set OPENROUTER_API_KEY to use OpenRouter.")]
    public static partial void UsingSimulator(ILogger logger);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Upstream: {BaseUrl}")]
    public static partial void UsingUpstream(ILogger logger, string baseUrl);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Generation of stream {StreamId} failed")]
    public static partial void GenerationFailed(ILogger logger, string streamId, Exception exception);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Stream {StreamId} abandoned: no reader within the grace period; upstream cancelled")]
    public static partial void Abandoned(ILogger logger, string streamId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    public static partial void RequestFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Stream {StreamId} dropped before its grace period ended: the edge holds its limit of buffered bytes")]
    public static partial void Evicted(ILogger logger, string streamId);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning,
        Message = "Upstream attempt {Attempt} of {Stream} ({Model}) failed before the first token: {Code} {Message}; attempt {Next} ({NextModel}) in {WaitMs:0} ms")]
    public static partial void UpstreamRetry(ILogger logger, int attempt, string stream, string model, string code, string message, int next, string nextModel, double waitMs);
}
