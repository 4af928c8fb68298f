using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Edge.OpenAi;

/// <summary>Errors in OpenAI's shape, <c>{"error":{"message","type","code"}}</c>, with the taxonomy's status.</summary>
internal static class OpenAiErrors
{
    public static byte[] Body(StreamError error, string? requestId = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", error.Message);
            w.WriteString("type", Type(error));
            w.WriteString("code", error.WireName.ToLowerInvariant());
            w.WriteEndObject();
            if (requestId is { Length: > 0 })
            {
                w.WriteString("request_id", requestId);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static IResult Result(StreamError error, int? status = null) => new OpenAiErrorResult(error, status ?? error.HttpStatus);

    private static string Type(StreamError error) => error.Code switch
    {
        StreamErrorCode.Unauthorized or StreamErrorCode.UpstreamAuthFailed => "authentication_error",
        StreamErrorCode.RateLimited or StreamErrorCode.InsufficientCredits => "rate_limit_error",
        StreamErrorCode.ModelNotFound or StreamErrorCode.StreamNotFound => "not_found_error",
        _ when error.HttpStatus is >= 400 and < 500 => "invalid_request_error",
        _ => "server_error",
    };

    private sealed class OpenAiErrorResult(StreamError error, int status) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "application/json";
            if (error.RetryAfterMs is { } ms)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(ms / 1000.0)).ToString(CultureInfo.InvariantCulture);
            }

            await httpContext.Response.Body.WriteAsync(Body(error, httpContext.Response.Headers[RequestIdAndErrorMiddleware.RequestIdHeader].ToString()), httpContext.RequestAborted);
        }
    }
}
