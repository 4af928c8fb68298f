using Microsoft.Extensions.Logging;

namespace Relay.Providers;

/// <summary>The provider's log events. No prompt or answer text, and never the API key.</summary>
internal static partial class ProviderLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug,
        Message = "Upstream stream {Model}: status {Status}, first byte {FirstByteMs} ms, first token {FirstTokenMs} ms, {Events} events, {Bytes} bytes, {DurationMs} ms, outcome {Outcome}")]
    public static partial void StreamSummary(ILogger logger, string model, int status, double firstByteMs, double firstTokenMs, int events, long bytes, double durationMs, string? outcome);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Upstream stream {Model} failed: {Code}: {Message}")]
    public static partial void StreamFailed(ILogger logger, string model, string code, string message);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Upstream request {Model} failed: {Code}: {Message}")]
    public static partial void RequestFailed(ILogger logger, string model, string code, string message);

    /// <summary>Logs an upstream chunk's data at Trace, decoding it only when Trace is on.</summary>
    public static void Chunk(ILogger logger, ReadOnlySpan<byte> data)
    {
        if (logger.IsEnabled(LogLevel.Trace))
        {
#pragma warning disable CA1873 // decoded only under the IsEnabled check above, which the analyzer does not follow here
            ChunkText(logger, System.Text.Encoding.UTF8.GetString(data));
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Trace, Message = "Upstream chunk: {Data}")]
    private static partial void ChunkText(ILogger logger, string data);
}
